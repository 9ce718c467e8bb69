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
      errors.push(`${describeObject(object.manifest)}: is applied before Namespace ${namespace}, which is created later in the output. Fix: create the Namespace in an earlier chart, or make this chart depend on the one that creates it`);
    }
  }
  return errors;
}
