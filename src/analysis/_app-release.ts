import { IConstruct } from 'constructs';
import { IstioRelease } from '../istio-release';

// One Istio release per App: the constructs of this library that write objects or install inputs for a
// release record it here, per construct tree, so that a Bookinfo composed after a LightstepTracing can follow
// its release, and the analysis can refuse a mix and check every apiVersion against the release.

/** An Istio release one construct of the library writes its objects for. */
export interface ReleaseOfConstruct {
  readonly release: IstioRelease;
  /** The construct, named in messages by its kind and path, e.g. `LightstepTracing at platform/tracing`. */
  readonly construct: IConstruct;
  readonly kind: string;
  /** How the release was chosen, e.g. `istioRelease prop`, `its default, the newest release`. */
  readonly chosenBy: string;
  /** Whether it is the release of a tracing construct, which the rest of the App follows. */
  readonly tracing: boolean;
  /** The namespace Istio is installed in, which Istio's install creates (tracing constructs only). */
  readonly istioNamespace?: string;
  /** The pod labels the install gives the ingress gateway (tracing constructs only), which Bookinfo selects by default. */
  readonly ingressGatewayLabels?: { readonly [key: string]: string };
}

const releasesByRoot = new WeakMap<IConstruct, ReleaseOfConstruct[]>();

/** Records the release a construct writes its objects for. */
export function recordRelease(entry: ReleaseOfConstruct): void {
  const root = entry.construct.node.root;
  const entries = releasesByRoot.get(root) ?? [];
  entries.push(entry);
  releasesByRoot.set(root, entries);
}

/** Every release recorded in the tree of `scope`, in the order the constructs were created. */
export function releasesOf(scope: IConstruct): readonly ReleaseOfConstruct[] {
  return releasesByRoot.get(scope.node.root) ?? [];
}

/**
 * The release a construct created now in the tree of `scope` follows when its own release prop is not given:
 * the one release of the tracing constructs there, or undefined when there is none (or they disagree, which
 * the analysis reports).
 */
export function tracingReleaseOf(scope: IConstruct): ReleaseOfConstruct | undefined {
  const tracing = releasesOf(scope).filter((entry) => entry.tracing);
  return tracing.length > 0 && tracing.every((entry) => entry.release.toString() === tracing[0].release.toString()) ? tracing[0] : undefined;
}
