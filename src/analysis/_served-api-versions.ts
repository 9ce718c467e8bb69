import { IstioRelease } from '../istio-release';

// Which apiVersions the CRDs of an Istio release serve, for the kinds of its current API groups: read from each
// release's manifests/charts/base CRDs (install/kubernetes/helm/istio-init/files before 1.6); every version
// arrived in a .0 release. The Gateway API CRDs are not Istio's: a release builds against one gateway-api
// release (IstioRelease.gatewayApiCrdVersion), whose standard CRDs the install guide applies.

/** One apiVersion of some kinds, served from release `since` until (not including) `until`. */
interface Served {
  readonly kinds: readonly string[];
  readonly version: string;
  readonly since: string;
  readonly until?: string;
}

const TRAFFIC_KINDS = ['DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar', 'VirtualService'];

const ISTIO_SERVED: Readonly<Record<string, readonly Served[]>> = {
  'networking.istio.io': [
    { kinds: [...TRAFFIC_KINDS, 'EnvoyFilter'], version: 'v1alpha3', since: '1.0.0' },
    { kinds: TRAFFIC_KINDS, version: 'v1beta1', since: '1.5.0' },
    { kinds: ['WorkloadEntry'], version: 'v1alpha3', since: '1.6.0' },
    { kinds: ['WorkloadEntry'], version: 'v1beta1', since: '1.6.0' },
    { kinds: ['WorkloadGroup'], version: 'v1alpha3', since: '1.8.0' },
    { kinds: ['WorkloadGroup', 'ProxyConfig'], version: 'v1beta1', since: '1.13.0' },
    { kinds: [...TRAFFIC_KINDS, 'WorkloadEntry', 'WorkloadGroup'], version: 'v1', since: '1.22.0' },
  ],
  'security.istio.io': [
    { kinds: ['AuthorizationPolicy'], version: 'v1beta1', since: '1.4.0' },
    { kinds: ['PeerAuthentication', 'RequestAuthentication'], version: 'v1beta1', since: '1.5.0' },
    { kinds: ['AuthorizationPolicy', 'RequestAuthentication'], version: 'v1', since: '1.17.0' },
    { kinds: ['PeerAuthentication'], version: 'v1', since: '1.22.0' },
  ],
  'telemetry.istio.io': [
    { kinds: ['Telemetry'], version: 'v1alpha1', since: '1.10.0' },
    { kinds: ['Telemetry'], version: 'v1', since: '1.22.0' },
  ],
  'extensions.istio.io': [
    { kinds: ['WasmPlugin'], version: 'v1alpha1', since: '1.12.0' },
    { kinds: ['TrafficExtension'], version: 'v1alpha1', since: '1.30.0' },
  ],
};

/** Served versions of Gateway and HTTPRoute by gateway-api release (the standard channel CRDs). */
const GATEWAY_API_SERVED: readonly Served[] = [
  { kinds: ['Gateway', 'HTTPRoute'], version: 'v1alpha2', since: 'v0.5.0', until: 'v0.8.0' },
  { kinds: ['Gateway', 'HTTPRoute'], version: 'v1beta1', since: 'v0.5.0' },
  { kinds: ['Gateway', 'HTTPRoute'], version: 'v1', since: 'v1.0.0' },
];

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** What a release serves of one kind, and whose CRDs those are. */
export interface ServedVersions {
  /** Served versions, oldest first; empty when the kind has no CRD there. */
  readonly versions: string[];
  /** Whose CRDs serve them, e.g. `Istio 1.9.3` or `the Gateway API CRDs v1.2.1 that Istio 1.24 builds against`. */
  readonly servedBy: string;
}

/** The versions of `group`/`kind` that `release` serves; undefined for kinds this table does not know. */
export function servedVersions(release: IstioRelease, group: string, kind: string): ServedVersions | undefined {
  if (group === GATEWAY_API_GROUP) {
    if (!GATEWAY_API_SERVED.some((served) => served.kinds.includes(kind))) return undefined;
    const tag = release.gatewayApiCrdVersion;
    if (tag === undefined) return { versions: [], servedBy: `Istio ${release}, which does not implement the Gateway API,` };
    const versions = GATEWAY_API_SERVED.filter((served) => served.kinds.includes(kind) && within(compareTags(tag, served.since), served.until === undefined ? undefined : compareTags(tag, served.until)))
      .map((served) => served.version);
    return { versions, servedBy: `the Gateway API CRDs ${tag} that Istio ${release} builds against` };
  }
  const table = ISTIO_SERVED[group];
  if (!table?.some((served) => served.kinds.includes(kind))) return undefined;
  const versions = table.filter((served) => served.kinds.includes(kind)
    && within(release.compareTo(parsed(served.since)), served.until === undefined ? undefined : release.compareTo(parsed(served.until))))
    .map((served) => served.version);
  return { versions, servedBy: `Istio ${release}` };
}

const parsedReleases = new Map<string, IstioRelease>();

/** The release of a table row, parsed once: the analysis asks for every Istio object of an app. */
function parsed(release: string): IstioRelease {
  let value = parsedReleases.get(release);
  if (!value) {
    value = IstioRelease.of(release);
    parsedReleases.set(release, value);
  }
  return value;
}

/** True when a release is at or after `since` (compared: >= 0) and before `until` (compared: < 0, when given). */
function within(sinceComparison: number, untilComparison: number | undefined): boolean {
  return sinceComparison >= 0 && (untilComparison === undefined || untilComparison < 0);
}

function compareTags(a: string, b: string): number {
  const [x, y] = [a, b].map((tag) => tag.replace(/^v/, '').split('.').map(Number));
  return Math.sign(x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
}
