import { AnalysisInput } from '../analysis-input';
import { describeName, describeObject, labelsMatch, namespaceOf } from '../manifest-set';

/** Workload selectors against their own templates, and Service selectors and target ports against the pods. */
export function checkSelectorsAndPorts({ manifests }: AnalysisInput): string[] {
  const errors: string[] = [];
  for (const pod of manifests.podTemplates) {
    const selector = pod.selector;
    if (selector && !labelsMatch(selector, pod.labels)) {
      errors.push(`${describeObject(pod.owner.manifest)}: selector ${JSON.stringify(selector)} does not match its pod template labels ${JSON.stringify(pod.labels)}. Fix: give the template every selector label`);
    }
  }
  for (const { manifest } of manifests.ofKind('Service')) {
    const selector = manifest.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) continue; // a selector-less Service has manual Endpoints
    const pods = manifests.podsSelectedBy(namespaceOf(manifest), selector);
    if (pods.length === 0) {
      errors.push(`${describeObject(manifest)}: selector ${JSON.stringify(selector)} matches no pod in namespace ${describeName('Namespace', namespaceOf(manifest))}. Fix: deploy pods with those labels or correct the selector`);
      continue;
    }
    for (const port of manifest.spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      const served = pods.some((pod) => (pod.spec.containers ?? []).some((container: any) => {
        const declared: any[] = container.ports ?? [];
        if (typeof target === 'string') return declared.some((p) => p.name === target);
        // containerPort is informational: a container that declares no ports may still listen.
        return declared.length === 0 || declared.some((p) => p.containerPort === target);
      }));
      if (!served) {
        errors.push(`${describeObject(manifest)}: port ${port.port} targets ${JSON.stringify(target)}, which no selected pod declares. Fix: point targetPort at a containerPort of the pods`);
      }
    }
  }
  return errors;
}
