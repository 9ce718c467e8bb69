/**
 * What istiod's Gateway API deployment controller creates for a gateway.networking.k8s.io Gateway it manages
 * (pilot/pkg/config/kube/gateway/deploymentcontroller.go, gatewaycommon/ from 1.30), rendered by the evaluator of
 * this folder, and the pod its Deployment gets once the injector has run on it:
 * - 1.16-1.17: the templates compiled into istiod (pilot/pkg/config/kube/gateway/templates/*.yaml, kept in
 *   test/fixtures/istio-injector/<tag>/gateway-templates) with their small function map; 1.17 adds a ServiceAccount.
 * - 1.18+: the `kube-gateway` template of the injector ConfigMap for class `istio`, and `waypoint` for class
 *   `istio-waypoint` (1.22+, when istiod runs with PILOT_ENABLE_AMBIENT), with TemplateInput/derivedInput as each
 *   release declares them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { admittedPod } from './admitted-pod';
import { GoTemplate } from './go-template';
import { ANY_MAP, BOOL, GoType, GoTemplateError, GoValue, INT, INT64, STRING, STRING_MAP, StructField, StructType, ptrTo, sliceOf } from './go-value';
import { InjectionContext } from './injection-context';
import { atLeast } from './releases';
import { gatewayTemplateFunctions } from './injector-functions';
import { GATEWAY, SERVICE_PORT } from './kube-types';
import { loadGoYaml } from './pod-decode';
import { KubeObject, SidecarInjector } from './sidecar-injector';
import { proxyImage } from './template-data';

const TEMPLATES_1_16 = fileURLToPath(new URL('../../fixtures/istio-injector', import.meta.url));

export interface GatewayDeploymentOptions {
  /** The Kubernetes minor version of the API server (TemplateInput.KubeVersion, KubeVersion122). @default 30 */
  readonly kubernetesMinor?: number;
}

export interface GatewayDeployment {
  /** Whether this istiod manages the Gateway (class, revision, addresses). */
  readonly managed: boolean;
  readonly reason: string;
  /** The objects the controller applies (Service, Deployment, ServiceAccount..., in the template's order). */
  readonly objects: readonly KubeObject[];
  /** The Deployment's pod as stored after the injector's webhook ran on it. */
  readonly pod?: KubeObject;
}

interface ClassInfo {
  readonly template: string;
  readonly defaultServiceType: string;
  readonly disableNameSuffix: boolean;
}

const field = (name: string, type: GoType): StructField => ({ name, json: name, type });
const embedded = (name: string, type: GoType): StructField => ({ name, json: '', type, embedded: true });

/** TemplateInput of the release (1.18+), with the Gateway embedded. */
function templateInputType(release: string): StructType {
  const fields: StructField[] = [embedded('Gateway', ptrTo(GATEWAY))];
  if (atLeast(release, '1.28')) fields.push(field('GatewayClass', STRING));
  fields.push(field('DeploymentName', STRING), field('ServiceAccount', STRING), field('Ports', sliceOf(SERVICE_PORT)));
  if (atLeast(release, '1.19')) fields.push(field('ServiceType', { kind: 'string', name: 'v1.ServiceType' }));
  fields.push(field('ClusterID', STRING));
  fields.push(atLeast(release, '1.22') ? field('KubeVersion', INT) : field('KubeVersion122', BOOL));
  fields.push(field('Revision', STRING));
  if (atLeast(release, '1.27')) fields.push(field('NativeSidecars', BOOL));
  if (atLeast(release, '1.20')) fields.push(field('ProxyUID', INT64), field('ProxyGID', INT64));
  if (atLeast(release, '1.21')) {
    fields.push(field('CompliancePolicy', STRING), field('InfrastructureLabels', STRING_MAP), field('InfrastructureAnnotations', STRING_MAP), field('GatewayNameLabel', STRING));
  }
  if (atLeast(release, '1.27')) fields.push(field('IsEastWestGateway', BOOL), field('ControllerLabel', STRING));
  return { kind: 'struct', name: 'gateway.TemplateInput', fields: () => fields, origin: `Istio ${release}'s TemplateInput` };
}

/** derivedInput: TemplateInput plus what the injector configuration gives (1.18+). */
function derivedInputType(release: string, context: InjectionContext): StructType {
  const fields: StructField[] = [embedded('TemplateInput', templateInputType(release)), field('ProxyImage', STRING)];
  if (atLeast(release, '1.29')) fields.push(field('AgentgatewayImage', STRING));
  fields.push(field('ProxyConfig', ptrTo(context.protos.proxyConfigType)), field('MeshConfig', ptrTo(context.protos.meshConfigType)), field('Values', ANY_MAP));
  return { kind: 'struct', name: 'gateway.derivedInput', fields: () => fields, origin: `Istio ${release}'s derivedInput` };
}

/** The inputs of the 1.16-1.17 templates: the Gateway embedded, plus their few fields. */
function embeddedTemplateInputType(name: string, extra: StructField[]): StructType {
  const fields = [embedded('Gateway', ptrTo(GATEWAY)), ...extra];
  return { kind: 'struct', name, fields: () => fields, origin: name };
}

/** extractServicePorts: the status port, then one port per listener port (names sanitised from 1.24). */
function servicePorts(release: string, gateway: KubeObject): KubeObject[] {
  const ports: KubeObject[] = [{ name: 'status-port', port: 15021, appProtocol: 'tcp' }];
  const seen = new Set<number>();
  ((gateway.spec?.listeners ?? []) as KubeObject[]).forEach((listener, index) => {
    const port = Number(listener.port);
    if (seen.has(port)) return;
    seen.add(port);
    let name = String(listener.name ?? '');
    if (atLeast(release, '1.24')) name = name.replace(/\./g, '-').slice(0, 63);
    if (name === '') name = `${String(listener.protocol ?? '').toLowerCase()}-${index}`;
    ports.push({ name, port, appProtocol: String(listener.protocol ?? '').toLowerCase() });
  });
  return ports;
}

/** The class the controller deploys for, from the GatewayClass objects or istiod's built-in classes. */
function classInfo(release: string, gateway: KubeObject, objects: readonly KubeObject[], environment: Readonly<Record<string, string>>): ClassInfo | string {
  const className = String(gateway.spec?.gatewayClassName ?? '');
  const ambient = environment.PILOT_ENABLE_AMBIENT === 'true' && (environment.PILOT_ENABLE_AMBIENT_WAYPOINTS ?? 'true') === 'true';
  const builtins: Record<string, [string, ClassInfo]> = {
    istio: ['istio.io/gateway-controller', { template: 'kube-gateway', defaultServiceType: 'LoadBalancer', disableNameSuffix: false }],
  };
  if (atLeast(release, '1.22') && ambient) {
    builtins['istio-waypoint'] = ['istio.io/mesh-controller', { template: 'waypoint', defaultServiceType: 'ClusterIP', disableNameSuffix: true }];
  }
  const declared = objects.find((object) => object?.kind === 'GatewayClass' && object.metadata?.name === className);
  if (declared) {
    const controller = String(declared.spec?.controllerName ?? '');
    const known = Object.values(builtins).find(([name]) => name === controller);
    return known ? known[1] : `GatewayClass ${className} has controller ${controller}, which this istiod does not implement`;
  }
  return builtins[className]?.[1] ?? `no GatewayClass ${className} and it is not one of istiod's built-in classes (${Object.keys(builtins).join(', ')})`;
}

/** IsManaged: istiod deploys unless the Gateway names an address of another type than IPAddress. */
function isManaged(gateway: KubeObject): boolean {
  const addresses = (gateway.spec?.addresses ?? []) as KubeObject[];
  if (addresses.length === 0) return true;
  if (addresses.length > 1) return false;
  return addresses[0].type === undefined || addresses[0].type === 'IPAddress';
}

/** Splits rendered YAML into documents (yml.SplitString) and reads each one. */
function documents(text: string, what: string): KubeObject[] {
  return text.split(/^---\s*$/m)
    .map((part) => loadGoYaml(part, what))
    .filter((object): object is KubeObject => object !== null && typeof object === 'object');
}

/**
 * What istiod (the one `injector` models) creates for `gateway` in `namespace`: the rendered objects, and the pod
 * of the Deployment once injected. `objects` are the install's objects (GatewayClasses, webhook tags).
 */
export function renderGatewayDeployment(injector: SidecarInjector, gateway: KubeObject, namespace: KubeObject, objects: readonly KubeObject[], options: GatewayDeploymentOptions = {}): GatewayDeployment {
  const context = injector.injectionContext;
  const { release } = context;
  const unmanaged = (reason: string): GatewayDeployment => ({ managed: false, reason, objects: [] });
  if (!atLeast(release, '1.16')) throw new GoTemplateError(`Istio ${release}: the Gateway API deployment controller is modelled from 1.16`);
  const info = classInfo(release, gateway, objects, context.environment);
  if (typeof info === 'string') return unmanaged(info);
  if (!isManaged(gateway)) return unmanaged('the Gateway names an address that is not an IP address: it points at an existing deployment');
  const annotations = (gateway.metadata?.annotations ?? {}) as Record<string, string>;
  const labels = (gateway.metadata?.labels ?? {}) as Record<string, string>;
  if (atLeast(release, '1.18')) {
    // Reconcile: the Gateway's (or its namespace's) istio.io/rev must name this istiod's revision or one of its tags.
    const selected = labels['istio.io/rev'] ?? (namespace.metadata?.labels ?? {})['istio.io/rev'] ?? '';
    const tags = new Set([context.revision, ...objects.filter((object) => object?.kind === 'MutatingWebhookConfiguration'
      && object.metadata?.labels?.['istio.io/rev'] === context.revision && object.metadata?.labels?.['istio.io/tag'])
      .map((object) => String(object.metadata.labels['istio.io/tag']))]);
    if (!tags.has(selected) && !(selected === '' && tags.has('default'))) return unmanaged(`the Gateway selects revision ${JSON.stringify(selected)}, not this istiod's ${[...tags].join(', ')}`);
  }
  // 1.26+: customisation overlays from a parameters ConfigMap or the class's defaults ConfigMap; ListenerSets.
  if (atLeast(release, '1.26') && (gateway.spec?.infrastructure ?? {}).parametersRef) throw new GoTemplateError('spec.infrastructure.parametersRef is not modelled by this controller fake');
  if (atLeast(release, '1.26') && objects.some((object) => object?.kind === 'ConfigMap' && object.metadata?.labels?.['gateway.istio.io/defaults-for-class'])) {
    throw new GoTemplateError('GatewayClass defaults ConfigMaps (gateway.istio.io/defaults-for-class) are not modelled by this controller fake');
  }
  if (objects.some((object) => object?.kind === 'ListenerSet' || object?.kind === 'XListenerSet')) throw new GoTemplateError('ListenerSets are not modelled by this controller fake');
  const kubernetesMinor = options.kubernetesMinor ?? 30;
  const defaultName = info.disableNameSuffix ? String(gateway.metadata?.name) : `${gateway.metadata?.name}-${gateway.spec?.gatewayClassName}`;
  const deploymentName = annotations['gateway.istio.io/name-override'] || defaultName;
  const serviceAccount = annotations['gateway.istio.io/service-account'] || defaultName;
  const ports = servicePorts(release, gateway);

  let rendered: KubeObject[];
  if (!atLeast(release, '1.18')) {
    rendered = renderCompiledTemplates(release, gateway, { deploymentName, serviceAccount, ports, kubernetesMinor });
  } else {
    const template = context.config.templates[info.template];
    if (template === undefined) throw new GoTemplateError(`no ${JSON.stringify(info.template)} template defined in the injector config of Istio ${release}`);
    const proxyConfig = (context.mesh.defaultConfig ?? {}) as KubeObject;
    const infraLabels = atLeast(release, '1.22') ? infrastructure(gateway, 'labels') : { ...labels };
    const infraAnnotations = atLeast(release, '1.22') ? infrastructure(gateway, 'annotations') : { ...annotations };
    const ambient = context.environment.PILOT_ENABLE_AMBIENT === 'true' && (context.environment.PILOT_ENABLE_AMBIENT_WAYPOINTS ?? 'true') === 'true';
    const waypoint = String(gateway.spec?.gatewayClassName).includes('waypoint');
    if (atLeast(release, '1.22')) {
      if (ambient && !waypoint && labels['istio.io/dataplane-mode'] === undefined && infraLabels['istio.io/dataplane-mode'] === undefined) infraLabels['istio.io/dataplane-mode'] = 'none';
      const network = String(((context.values.global ?? {}) as KubeObject).network ?? '');
      if (labels['topology.istio.io/network'] === undefined && network !== '' && waypoint) infraLabels['topology.istio.io/network'] = network;
    }
    const input: KubeObject = {
      ...JSON.parse(JSON.stringify(gateway)),
      GatewayClass: String(gateway.spec?.gatewayClassName ?? ''),
      DeploymentName: deploymentName,
      ServiceAccount: serviceAccount,
      Ports: ports,
      ServiceType: annotations['networking.istio.io/service-type'] ?? info.defaultServiceType,
      ClusterID: context.env('CLUSTER_ID', 'Kubernetes'),
      KubeVersion: Number(`1${kubernetesMinor}`),
      KubeVersion122: kubernetesMinor >= 22,
      Revision: context.revision,
      // 1.27+: native sidecars unless ENABLE_NATIVE_SIDECARS is "false" (any other value counts as on here).
      NativeSidecars: context.env('ENABLE_NATIVE_SIDECARS', 'auto') !== 'false',
      ProxyUID: 1337,
      ProxyGID: 1337,
      CompliancePolicy: context.env('COMPLIANCE_POLICY', ''),
      InfrastructureLabels: infraLabels,
      InfrastructureAnnotations: infraAnnotations,
      GatewayNameLabel: 'gateway.networking.k8s.io/gateway-name',
      IsEastWestGateway: false,
      ControllerLabel: info.template === 'waypoint' ? 'istio.io-mesh-controller' : 'istio.io-gateway-controller',
      ProxyImage: proxyImage(release, context.values, proxyConfig, annotations),
      AgentgatewayImage: proxyImage(release, context.values, proxyConfig, annotations, true),
      ProxyConfig: proxyConfig,
      MeshConfig: context.mesh,
      Values: context.values,
    };
    const text = context.run(info.template, template, new GoValue(derivedInputType(release, context), input));
    rendered = documents(text, `the rendered ${info.template} template`)
      // 1.26+ applyOverlay: a HorizontalPodAutoscaler or PodDisruptionBudget exists only when an overlay configures it.
      .filter((object) => !(atLeast(release, '1.26') && ['HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(object.kind)))
      .map((object) => applied(release, object, info, input));
  }
  const deployment = rendered.find((object) => object.kind === 'Deployment');
  const pod = deployment ? injector.inject(admittedPod(deployment), namespace).pod : undefined;
  return { managed: true, reason: `class ${gateway.spec?.gatewayClassName} (template ${info.template})`, objects: rendered, pod };
}

/**
 * The controller's apply(): from 1.27 it refuses objects of other kinds, other namespaces or unexpected names; it
 * labels each object gateway.istio.io/managed with its controller name.
 */
function applied(release: string, object: KubeObject, info: ClassInfo, input: KubeObject): KubeObject {
  if (atLeast(release, '1.27')) {
    const kinds = ['Deployment', 'Service', 'ServiceAccount', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', ...(atLeast(release, '1.30') ? ['DaemonSet'] : [])];
    if (!kinds.includes(object.kind)) throw new GoTemplateError(`apply failed: unexpected object kind ${JSON.stringify(object.kind)}, only ${kinds.join(', ')} are allowed`);
    if (object.metadata?.namespace !== input.metadata?.namespace) throw new GoTemplateError(`apply failed: object namespace ${JSON.stringify(object.metadata?.namespace)} does not match gateway namespace ${JSON.stringify(input.metadata?.namespace)}`);
    const name = String(object.metadata?.name ?? '');
    if (![input.DeploymentName, input.ServiceAccount].includes(name) && !name.startsWith(String(input.metadata?.name))) {
      throw new GoTemplateError(`apply failed: object name ${JSON.stringify(name)} does not match the expected names`);
    }
  }
  const controller = info.template === 'waypoint' ? 'istio.io/mesh-controller' : 'istio.io/gateway-controller';
  return { ...object, metadata: { ...object.metadata, labels: { ...(object.metadata?.labels ?? {}), 'gateway.istio.io/managed': controller.replace(/\//g, '-') } } };
}

/** extractInfrastructureLabels/Annotations (1.22+): spec.infrastructure's, else the Gateway's own. */
function infrastructure(gateway: KubeObject, which: 'labels' | 'annotations'): Record<string, string> {
  const infra = (gateway.spec?.infrastructure ?? {})[which] as Record<string, string> | undefined;
  if (infra) return Object.fromEntries(Object.entries(infra).filter(([key]) => !key.startsWith('gateway.networking.k8s.io/')));
  return { ...((gateway.metadata ?? {})[which] ?? {}) };
}

interface CompiledInput {
  readonly deploymentName: string;
  readonly serviceAccount: string;
  readonly ports: KubeObject[];
  readonly kubernetesMinor: number;
}

/** 1.16-1.17: service.yaml then deployment.yaml of istiod's embedded templates; 1.17 applies a ServiceAccount first. */
function renderCompiledTemplates(release: string, gateway: KubeObject, input: CompiledInput): KubeObject[] {
  const folder = path.join(TEMPLATES_1_16, release, 'gateway-templates');
  if (!fs.existsSync(folder)) throw new GoTemplateError(`no compiled gateway templates of Istio ${release} in ${folder}`);
  const functions = gatewayTemplateFunctions();
  const run = (file: string, type: StructType, data: KubeObject) => {
    const template = GoTemplate.parse(file, fs.readFileSync(path.join(folder, file), 'utf8'), { functions, semantics: { go118: true } });
    return documents(template.execute(new GoValue(type, data)), `the rendered ${file}`);
  };
  const gatewayData = JSON.parse(JSON.stringify(gateway)) as KubeObject;
  const out: KubeObject[] = [];
  if (!atLeast(release, '1.17')) {
    out.push(...run('service.yaml', embeddedTemplateInputType('gateway.serviceInput', [field('Ports', sliceOf(SERVICE_PORT))]), { ...gatewayData, Ports: input.ports }));
    out.push(...run('deployment.yaml', embeddedTemplateInputType('gateway.deploymentInput', [field('KubeVersion122', BOOL)]), { ...gatewayData, KubeVersion122: input.kubernetesMinor >= 22 }));
    return out;
  }
  // RenderServiceAccountApply: the ServiceAccount, labelled with the gateway's name.
  out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: input.serviceAccount, namespace: gateway.metadata?.namespace, labels: { 'istio.io/gateway-name': gateway.metadata?.name } } });
  const merged = embeddedTemplateInputType('gateway.MergedInput', [field('GatewayName', STRING), field('ServiceAccount', STRING), field('Ports', sliceOf(SERVICE_PORT)), field('KubeVersion122', BOOL)]);
  const data = { ...gatewayData, GatewayName: input.deploymentName, ServiceAccount: input.serviceAccount, Ports: input.ports, KubeVersion122: input.kubernetesMinor >= 22 };
  out.push(...run('service.yaml', merged, data), ...run('deployment.yaml', merged, data));
  return out;
}
