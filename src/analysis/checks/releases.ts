import { ReleaseOfConstruct } from '../_app-release';
import { servedVersions } from '../_served-api-versions';
import { AnalysisInput } from '../analysis-input';
import { describeObject } from '../manifest-set';

/**
 * One Istio release per app: every construct of the library writes for the same release (a cluster runs one
 * Istio, whose CRDs decide which apiVersions exist), and every object's apiVersion of an Istio or Gateway API
 * kind is one that release serves, the user's own objects included.
 */
export function checkIstioRelease({ manifests, releases }: AnalysisInput): string[] {
  if (releases.length === 0) return [];
  const byRelease = new Map<string, ReleaseOfConstruct[]>();
  for (const entry of releases) {
    const key = entry.release.toString();
    byRelease.set(key, [...(byRelease.get(key) ?? []), entry]);
  }
  if (byRelease.size > 1) return [mixedReleases(releases, byRelease)];

  const release = releases[0].release;
  const errors: string[] = [];
  for (const object of manifests.objects) {
    const apiVersion = String(object.manifest.apiVersion ?? '');
    const slash = apiVersion.indexOf('/');
    if (slash < 0) continue;
    const [group, version] = [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
    const served = servedVersions(release, group, object.manifest.kind);
    if (!served || served.versions.includes(version)) continue;
    const kind = object.manifest.kind;
    const fix = served.versions.length > 0
      ? `write it as ${group}/${served.versions[served.versions.length - 1]}${served.versions.length > 1 ? ` (or ${served.versions.slice(0, -1).map((v) => `${group}/${v}`).join(', ')})` : ''}`
      : `leave it out, or target a release that has ${kind}`;
    errors.push(`${describeObject(object.manifest)} (construct ${object.path}): apiVersion ${apiVersion} is not served by ${served.servedBy} `
      + `(${served.versions.length > 0 ? `it serves ${served.versions.map((v) => `${group}/${v}`).join(', ')}` : `no ${kind} at all`}), the release of ${constructsOf(releases)}. Fix: ${fix}`);
  }
  return errors;
}

/** The message for constructs that write for different releases: each one with its release and how it got it. */
function mixedReleases(releases: readonly ReleaseOfConstruct[], byRelease: Map<string, ReleaseOfConstruct[]>): string {
  const leading = releases.find((entry) => entry.tracing) ?? releases[0];
  const target = leading.release.toString();
  const listed = [...byRelease.values()].flat().map((entry) => `${entry.kind} at ${entry.construct.node.path} writes for Istio ${entry.release} (${entry.chosenBy})`);
  const others = releases.filter((entry) => entry.release.toString() !== target);
  const fixes = others.map((entry) => entry.kind === 'Bookinfo' && !entry.tracing
    ? `give ${entry.kind} at ${entry.construct.node.path} istioRelease: IstioRelease.of('${target}') (a Bookinfo created after the LightstepTracing without istioRelease follows its release)`
    : `give ${entry.kind} at ${entry.construct.node.path} istioRelease: IstioRelease.of('${target}')`);
  return `One app, one Istio release: ${listed.join('; ')}. A cluster runs one Istio, whose CRDs serve the apiVersions of one release. Fix: ${fixes.join('; ')}`;
}

function constructsOf(releases: readonly ReleaseOfConstruct[]): string {
  const named = releases.slice(0, 2).map((entry) => `${entry.kind} at ${entry.construct.node.path}`);
  return `${named.join(' and ')}${releases.length > 2 ? ` and ${releases.length - 2} more` : ''}`;
}
