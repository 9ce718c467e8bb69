import { DATAPLANE_MODE_LABEL as DATAPLANE_MODE } from '../../_ambient-labels';
import { AnalysisInput } from '../analysis-input';
import { describeObject } from '../manifest-set';
/** Labels that make a sidecar injector webhook select a namespace or pod (the istiod chart's MutatingWebhookConfiguration). */
const INJECTION_LABELS = ['istio-injection', 'istio.io/rev'];
/** Pod annotations only a sidecar reads: the injector's and the agent's of an injected pod. */
const SIDECAR_ANNOTATION_PREFIXES = ['sidecar.istio.io/', 'traffic.sidecar.istio.io/'];
const PROXY_CONFIG_ANNOTATION = 'proxy.istio.io/config';
const INJECT = 'sidecar.istio.io/inject';
const INJECTS = 'gives the pod a sidecar, and a pod with a sidecar leaves the ambient data plane';
const SIDECAR_ONLY = 'is read only by a pod\'s own sidecar or its injector, and pods of the ambient data plane have neither';

/**
 * Sidecar-only settings in a namespace of the ambient data plane. The injector does not look at the data-plane label,
 * so an injection label on the namespace (or `sidecar.istio.io/inject: "true"` on a pod) gives its pods a sidecar, and
 * the CNI node agent then leaves them out of ambient ("Ztunnel and sidecar for a single pod is currently not supported",
 * cni/pkg/util/podutil.go; istioctl analyze IST0123). The `sidecar.istio.io/*`, `traffic.sidecar.istio.io/*` and
 * `proxy.istio.io/config` annotations are read by a pod's own sidecar or its injector only: an ambient pod has neither,
 * so they do nothing there and say something false. A pod labelled `istio.io/dataplane-mode: none` has left ambient and
 * is not checked.
 */
export function checkAmbientNamespaces({ manifests }: AnalysisInput): string[] {
  const errors: string[] = [];
  const ambient = new Set<string>();
  for (const { manifest } of manifests.ofKind('Namespace')) {
    const labels: Record<string, string> = manifest.metadata?.labels ?? {};
    if (labels[DATAPLANE_MODE] !== 'ambient') continue;
    ambient.add(manifest.metadata.name);
    for (const key of INJECTION_LABELS) {
      const value = labels[key];
      if (value === undefined || (key === 'istio-injection' && value === 'disabled')) continue;
      errors.push(`${describeObject(manifest)}: label ${key}=${value} in a namespace of the ambient data plane (${DATAPLANE_MODE}: ambient) makes the sidecar injector add sidecars, and a pod with a sidecar leaves ambient. Fix: remove the label ${key}`);
    }
  }
  for (const pod of manifests.podTemplates) {
    if (!ambient.has(pod.namespace) || pod.labels[DATAPLANE_MODE] === 'none') continue;
    const owner = describeObject(pod.owner.manifest);
    const annotations: Record<string, string> = (pod.owner.manifest.kind === 'Pod'
      ? pod.owner.manifest.metadata?.annotations : pod.owner.manifest.spec?.template?.metadata?.annotations) ?? {};
    const report = (where: string, key: string, value: string, why: string) =>
      errors.push(`${owner}: pod ${where} ${key}=${JSON.stringify(value)} in the ambient namespace ${pod.namespace} ${why}. Fix: remove it from the pod template`);
    for (const [key, value] of Object.entries(pod.labels)) {
      // The injector's pod-level selectors: sidecar.istio.io/inject=true and istio.io/rev.
      if ((key === INJECT && value === 'true') || key === 'istio.io/rev') report('label', key, value, INJECTS);
    }
    for (const [key, value] of Object.entries(annotations)) {
      if (key === INJECT) {
        if (value === 'true') report('annotation', key, value, INJECTS);
      } else if (key === PROXY_CONFIG_ANNOTATION || SIDECAR_ANNOTATION_PREFIXES.some((prefix) => key.startsWith(prefix))) {
        report('annotation', key, value, SIDECAR_ONLY);
      }
    }
  }
  return errors;
}
