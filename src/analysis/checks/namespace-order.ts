import { AnalysisInput } from '../analysis-input';
import { describeObject } from '../manifest-set';

/** Namespaces must be applied before the objects that live in them, so that one `kubectl apply` works on an empty cluster. */
export function checkNamespaceOrder({ manifests }: AnalysisInput): string[] {
  const errors: string[] = [];
  for (const object of manifests.objects) {
    const namespace = object.manifest.metadata?.namespace;
    if (object.manifest.kind === 'Namespace' || namespace === undefined) continue;
    const created = manifests.find('Namespace', '', namespace);
    if (created && created.order > object.order) {
      // Within one chart the library writes a MeshNamespace first by itself; across charts only the app can order.
      errors.push(object.chart === created.chart
        ? `${describeObject(object.manifest)}: is applied before Namespace ${namespace}, which is created later in chart ${object.chart}. Fix: create the Namespace with MeshNamespace, which the chart writes first, or add a dependency on the Namespace to ${object.path}`
        : `${describeObject(object.manifest)}: is applied before Namespace ${namespace}, which is created later in the output (chart ${object.chart} is written before chart ${created.chart}). Fix: make chart ${object.chart} depend on chart ${created.chart} (addDependency), or create the Namespace in an earlier chart`);
    }
  }
  return errors;
}
