/**
 * SidecarTemplateData, the value Istio's injector runs its templates on, as each release declares it
 * (pilot/pkg/kube/inject/inject.go 1.1-1.3, pkg/kube/inject/inject.go 1.4+), with the deployment metadata the webhook
 * derives from the pod (webhook.go inject() 1.1-1.7, kube.GetDeployMetaFromPod 1.8+) and the proxy image name
 * (inject.go ProxyImage, 1.13+).
 */
import { ANY_MAP, BOOL, GoType, GoValue, INT, INT64, STRING, StructField, StructType, ptrTo } from './go-value';
import { NAMESPACED_NAME, OBJECT_META, POD_SPEC, TYPE_META } from './kube-types';
import { MeshProtos } from './mesh-config';
import { quantityMilliValue } from './quantity';
import { atLeast } from './releases';

type Json = Record<string, any>;

/** The fields of SidecarTemplateData at `release`, in declaration order, with their Go types. */
function templateDataFields(release: string, protos: MeshProtos): StructField[] {
  const proxyConfig = ptrTo(protos.proxyConfigType);
  const meshConfig = ptrTo(protos.meshConfigType);
  const pointerMeta = !atLeast(release, '1.9');
  const fields: Array<[string, GoType]> = [];
  if (atLeast(release, '1.3')) fields.push(['TypeMeta', atLeast(release, '1.11') ? TYPE_META : ptrTo(TYPE_META)]);
  fields.push(['DeploymentMeta', atLeast(release, '1.22') ? NAMESPACED_NAME : atLeast(release, '1.11') ? OBJECT_META : ptrTo(OBJECT_META)]);
  fields.push(['ObjectMeta', pointerMeta ? ptrTo(OBJECT_META) : OBJECT_META]);
  fields.push(['Spec', pointerMeta ? ptrTo(POD_SPEC) : POD_SPEC]);
  fields.push(['ProxyConfig', proxyConfig], ['MeshConfig', meshConfig]);
  if (atLeast(release, '1.2')) fields.push(['Values', ANY_MAP]);
  if (atLeast(release, '1.9')) fields.push(['Revision', STRING]);
  if (atLeast(release, '1.27')) fields.push(['NativeSidecars', BOOL]);
  if (atLeast(release, '1.10') && !atLeast(release, '1.18')) fields.push(['EstimatedConcurrency', INT]);
  if (atLeast(release, '1.13')) fields.push(['ProxyImage', STRING]);
  if (atLeast(release, '1.20')) fields.push(['ProxyUID', INT64], ['ProxyGID', INT64]);
  if (atLeast(release, '1.22')) fields.push(['InboundTrafficPolicyMode', STRING]);
  if (atLeast(release, '1.19')) fields.push(['CompliancePolicy', STRING]);
  return fields.map(([name, type]) => ({ name, json: name, type }));
}

/** The struct type SidecarTemplateData of a release. */
export function templateDataType(release: string, protos: MeshProtos): StructType {
  const fields = templateDataFields(release, protos);
  return { kind: 'struct', name: 'inject.SidecarTemplateData', fields: () => fields, origin: `Istio ${release}'s SidecarTemplateData` };
}

/** What the webhook knows of the pod's owner: the deployment metadata and type the templates see. */
export interface DeploymentMeta {
  readonly meta: Json;
  readonly typeMeta?: Json;
}

/** The deployment name and kind the webhook derives from the pod's controller reference. */
export function deploymentMeta(release: string, pod: Json): DeploymentMeta {
  const metadata = (pod.metadata ?? {}) as Json;
  if (!atLeast(release, '1.3')) return { meta: metadata };
  const meta: Json = JSON.parse(JSON.stringify(metadata));
  const typeMeta: Json = { kind: 'Pod', apiVersion: 'v1' };
  const labels = (metadata.labels ?? {}) as Record<string, string>;
  if ((metadata.generateName ?? '').length > 0) {
    const ref = ((metadata.ownerReferences ?? []) as Json[]).find((owner) => owner.controller === true);
    if (ref) {
      typeMeta.apiVersion = ref.apiVersion;
      typeMeta.kind = ref.kind;
      const hash = labels['pod-template-hash'] ?? '';
      const hashMatches = atLeast(release, '1.8') ? hash !== '' && String(ref.name).endsWith(hash) : String(ref.name).endsWith(hash);
      if (atLeast(release, '1.6')) meta.name = ref.name;
      if (ref.kind === 'ReplicaSet' && hashMatches) {
        meta.name = String(ref.name).endsWith(`-${hash}`) ? String(ref.name).slice(0, -hash.length - 1) : ref.name;
        typeMeta.kind = 'Deployment';
      } else if (!atLeast(release, '1.6')) {
        meta.name = ref.name;
      } else if (ref.kind === 'Job') {
        const cron = atLeast(release, '1.22') ? /^(.+)-\d{8,10}$/.exec(String(ref.name)) : /^(.+)-\d{10}$/.exec(String(ref.name));
        if (cron) {
          meta.name = cron[1];
          typeMeta.kind = 'CronJob';
          typeMeta.apiVersion = atLeast(release, '1.22') ? 'batch/v1' : 'batch/v1beta1';
        }
      }
    }
  }
  if (!meta.name) meta.name = metadata.name ?? '';
  if (atLeast(release, '1.22')) return { meta: { Name: meta.name, Namespace: metadata.namespace ?? '' }, typeMeta };
  return { meta, typeMeta };
}

/**
 * ProxyImage (1.13+): <hub>/<global.proxy.image or proxyv2>:<tag>[-<type>], the image type from values' variant
 * (1.22+), the ProxyConfig's image, then the sidecar.istio.io/proxyImageType annotation. AgentgatewayImage (1.29+)
 * is the same with the image "agentgateway" and the gateway.istio.io/agentgatewayImage annotation.
 */
export function proxyImage(release: string, values: Json, proxyConfig: Json, annotations: Record<string, string>, agentgateway = false): string {
  const global = (values.global ?? {}) as Json;
  const tag = global.tag === undefined || global.tag === null ? '' : String(global.tag);
  let imageType = atLeast(release, '1.22') ? String(global.variant ?? '') : '';
  if (proxyConfig.image) imageType = String((proxyConfig.image as Json).imageType ?? '');
  const imageName = agentgateway ? 'agentgateway' : global.proxy?.image ? String(global.proxy.image) : 'proxyv2';
  const annotation = agentgateway ? 'gateway.istio.io/agentgatewayImage' : 'sidecar.istio.io/proxyImageType';
  if (annotations[annotation] !== undefined) imageType = annotations[annotation];
  let finalTag = tag;
  if (imageType !== '') {
    for (const known of ['distroless', 'debug']) {
      if (finalTag.endsWith(`-${known}`)) {
        finalTag = finalTag.slice(0, -known.length - 1);
        break;
      }
    }
    if (imageType !== 'default') finalTag = `${finalTag}-${imageType}`;
  }
  return `${String(global.hub ?? '')}/${imageName}:${finalTag}`;
}

/**
 * estimateConcurrency (1.11-1.17): the ProxyConfig's concurrency when positive; when it is 0, the CPU limit or
 * request (annotations first, then values) rounded up to whole cores; 2 otherwise.
 */
export function estimateConcurrency(proxyConfig: Json, annotations: Record<string, string>, values: Json): number {
  const configured = proxyConfig.concurrency;
  if (configured === undefined || configured === null) return 2;
  const value = typeof configured === 'object' ? Number((configured as Json).value ?? 0) : Number(configured);
  if (value > 0) return value;
  const cores = (quantity: unknown) => {
    try {
      return Math.ceil(quantityMilliValue(quantity as string) / 1000);
    } catch {
      return undefined;
    }
  };
  if (annotations['sidecar.istio.io/proxyCPULimit'] !== undefined) return cores(annotations['sidecar.istio.io/proxyCPULimit']) ?? 2;
  if (annotations['sidecar.istio.io/proxyCPU'] !== undefined) return cores(annotations['sidecar.istio.io/proxyCPU']) ?? 2;
  const resources = ((values.global ?? {}).proxy ?? {}).resources as Json | undefined;
  if (resources) {
    const fromLimit = resources.limits?.cpu !== undefined ? cores(resources.limits.cpu) : undefined;
    if (fromLimit !== undefined) return fromLimit;
    const fromRequest = resources.requests?.cpu !== undefined ? cores(resources.requests.cpu) : undefined;
    if (fromRequest !== undefined) return fromRequest;
  }
  return 2;
}

/** The inputs of one template run. */
export interface TemplateDataInput {
  readonly pod: Json;
  readonly deployment: DeploymentMeta;
  readonly proxyConfig: Json;
  readonly mesh: Json;
  readonly values: Json;
  readonly revision: string;
  readonly nativeSidecars: boolean;
  readonly compliancePolicy: string;
}

/** SidecarTemplateData as a Go value for the template. */
export function templateData(release: string, protos: MeshProtos, input: TemplateDataInput): GoValue {
  const type = templateDataType(release, protos);
  const annotations = (input.pod.metadata?.annotations ?? {}) as Record<string, string>;
  const data: Json = {
    TypeMeta: input.deployment.typeMeta,
    DeploymentMeta: input.deployment.meta,
    ObjectMeta: input.pod.metadata ?? {},
    Spec: input.pod.spec ?? {},
    ProxyConfig: input.proxyConfig,
    MeshConfig: input.mesh,
    Values: input.values,
    Revision: input.revision,
    NativeSidecars: input.nativeSidecars,
    // Declared in 1.10 but never set there; estimated from 1.11.
    EstimatedConcurrency: atLeast(release, '1.11') ? estimateConcurrency(input.proxyConfig, annotations, input.values) : 0,
    ProxyImage: proxyImage(release, input.values, input.proxyConfig, annotations),
    // GetProxyIDs: 1337 unless istiod runs on OpenShift (not modelled).
    ProxyUID: 1337,
    ProxyGID: 1337,
    InboundTrafficPolicyMode: ((input.mesh.inboundTrafficPolicy ?? {}) as Json).mode === 'LOCALHOST' ? 'localhost' : 'passthrough',
    CompliancePolicy: input.compliancePolicy,
  };
  return new GoValue(type, data);
}
