import { dns1123LabelProblem } from '../_kubernetes-names';
import { AnalysisInput } from '../analysis-input';
import { describeObject, PlacedObject } from '../manifest-set';

/** The namespaces every cluster starts with (Kubernetes' initial namespaces). */
const INITIAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/**
 * A warning for each namespace that objects of the app are placed in but that no construct of the app creates,
 * and that is neither one Kubernetes starts with nor the namespace the Istio install of a LightstepTracing of
 * the app creates: `kubectl apply` of the output fails on an empty cluster unless it exists. One warning per
 * namespace, naming its first object and how many more there are.
 */
export function warnUncreatedNamespaces({ manifests, releases }: AnalysisInput): string[] {
  const created = new Set(manifests.ofKind('Namespace').map(({ manifest }) => manifest.metadata?.name));
  const istioNamespaces = new Set(releases.map((entry) => entry.istioNamespace).filter((namespace) => namespace !== undefined));
  const placed = new Map<string, PlacedObject[]>();
  for (const object of manifests.objects) {
    const namespace = object.manifest.metadata?.namespace;
    if (namespace === undefined || created.has(namespace) || INITIAL_NAMESPACES.has(namespace) || istioNamespaces.has(namespace)) continue;
    if (dns1123LabelProblem(namespace)) continue; // the name check reports it
    placed.set(namespace, [...(placed.get(namespace) ?? []), object]);
  }
  return [...placed].map(([namespace, [first, ...rest]]) =>
    `${describeObject(first.manifest)} (construct ${first.path})${rest.length ? ` and ${rest.length} more object${rest.length > 1 ? 's' : ''}` : ''} `
    + `go${rest.length ? '' : 'es'} to namespace ${namespace}, which no construct of this app creates: kubectl apply fails there until it exists. `
    + `Create it in the app (new MeshNamespace(chart, id, { name: '${namespace}' }), in a chart written before theirs), or create it on the cluster before applying`);
}
