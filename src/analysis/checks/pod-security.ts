import { AnalysisInput } from '../analysis-input';
import { describeObject, namespaceOf } from '../manifest-set';
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

/**
 * Without Istio CNI the injector adds istio-init, which runs as root with NET_ADMIN and NET_RAW, to every pod of a
 * namespace with sidecar injection: a namespace that enforces baseline or restricted then admits none of them.
 * Checked when this output carries the Istio install inputs; an Istio installed elsewhere is the user's to configure.
 */
export function checkIstioCniForPodSecurity({ manifests, meshConfigs }: AnalysisInput): string[] {
  if (meshConfigs.length === 0 || meshConfigs.some((source) => source.istioCni)) return [];
  return manifests.ofKind('Namespace').flatMap(({ manifest }) => {
    const labels = manifest.metadata?.labels ?? {};
    const level = labels[POD_SECURITY_ENFORCE_LABEL];
    const injected = labels['istio-injection'] === 'enabled' || labels['istio.io/rev'] !== undefined;
    if (!isPodSecurityLevel(level) || !injected) return [];
    return [`${describeObject(manifest)}: enforces Pod Security "${level}" and has sidecar injection, but the Istio install inputs (${sourcesOf(meshConfigs)}) ` +
      `leave Istio CNI off, so the injector adds istio-init (NET_ADMIN, NET_RAW, user 0) to every pod, which "${level}" refuses. ` +
      'Fix: install Istio with its CNI node agent (LightstepTracing istioCni: true), or turn sidecar injection off in that namespace'];
  });
}

/**
 * istiod deploys a pod for every Gateway API Gateway of class istio, in the Gateway's namespace, with no seccomp profile
 * unless its install gives one: a namespace that enforces "restricted" refuses it. Checked when this output carries
 * the Istio install inputs.
 */
export function checkGatewayPodsForPodSecurity({ manifests, meshConfigs }: AnalysisInput): string[] {
  if (meshConfigs.length === 0 || meshConfigs.some((source) => source.restrictedGatewayPods)) return [];
  return manifests.ofKind('Gateway').flatMap(({ manifest }) => {
    if (!String(manifest.apiVersion).startsWith('gateway.networking.k8s.io/') || manifest.spec?.gatewayClassName !== 'istio') return [];
    const namespace = namespaceOf(manifest);
    const level = manifests.find('Namespace', '', namespace)?.manifest.metadata?.labels?.[POD_SECURITY_ENFORCE_LABEL];
    if (level !== 'restricted') return [];
    return [`${describeObject(manifest)}: istiod deploys its gateway pod in namespace ${namespace}, which enforces Pod Security "restricted", but the Istio ` +
      `install inputs (${sourcesOf(meshConfigs)}) give that pod no seccomp profile, which "restricted" requires. ` +
      'Fix: set LightstepTracing restrictedGatewayPods: true (Istio 1.20.8, 1.21.4+, 1.22.2+, 1.23+), or put the Gateway in a namespace that does not enforce "restricted"'];
  });
}

function sourcesOf(meshConfigs: AnalysisInput['meshConfigs']): string {
  return [...new Set(meshConfigs.map((source) => source.source))].join(', ');
}
