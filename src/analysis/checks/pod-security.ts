import { AnalysisInput } from '../analysis-input';
import { describeObject } from '../manifest-set';
import { isPodSecurityLevel, POD_SECURITY_ENFORCE_LABEL, podSecurityViolations } from '../pod-security';

/**
 * Every pod template in a namespace whose Namespace object (in this output) enforces "baseline" or "restricted"
 * meets that level's rules, as Pod Security Admission would decide when the workload creates its pods. The
 * label `pod-security.kubernetes.io/enforce-version` is not read: the rules are those of the newest policy, which
 * is what an unpinned namespace gets.
 */
export function checkPodSecurity({ manifests }: AnalysisInput): string[] {
  const errors: string[] = [];
  for (const template of manifests.podTemplates) {
    const level = manifests.find('Namespace', '', template.namespace)?.manifest.metadata?.labels?.[POD_SECURITY_ENFORCE_LABEL];
    if (!isPodSecurityLevel(level)) continue;
    const pod = template.owner.manifest.kind === 'Pod' ? template.owner.manifest : template.owner.manifest.spec.template;
    const prefix = template.owner.manifest.kind === 'Pod' ? '' : 'spec.template.';
    for (const violation of podSecurityViolations(level, pod)) {
      errors.push(`${describeObject(template.owner.manifest)}: Pod Security "${level}", which namespace ${template.namespace} enforces, refuses ` +
        `${prefix}${violation.field}: ${violation.problem} (rule ${violation.rule}, ${violation.source}). Fix: ${violation.fix}`);
    }
  }
  return errors;
}
