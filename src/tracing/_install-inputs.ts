import { isIP } from 'node:net';
import { HelmChartSource, IstioRelease } from '../istio-release';
import { TracerStatsInclusion } from './tracer-stats-inclusion';
import { IstioInstallInput, IstioInstallTool } from './istio-install-input';

/** What the install inputs of every generation are built from, validated by LightstepTracing. */
export interface TracerInputs {
  readonly release: IstioRelease;
  readonly address: string;
  readonly secure: boolean;
  readonly cacertPath: string;
  readonly sampling: number;
  readonly istioNamespace: string;
  readonly revision?: string;
  readonly ingressGatewayName: string;
  /** Pod labels the ingress gateway gets on every route. */
  readonly ingressGatewayLabels: Readonly<Record<string, string>>;
  /** The token, only when the user opted into writing it into generated files. */
  readonly literalToken?: string;
  /** Shell expression of the token for `--set`, when it is given at install time. */
  readonly tokenExpression?: string;
  /** The install profile every chart and istioctl start from, e.g. "ambient"; undefined for the default one. */
  readonly profile?: string;
  /** Namespace of the Istio CNI node agent that the IstioOperator installs; none without Istio CNI. */
  readonly cniNamespace?: string;
  /** istiod chart values that Pod Security needs (Istio CNI on, a seccomp profile for Gateway API gateway pods), for both install inputs. */
  readonly podSecurityValues?: Record<string, any>;
}

export const ISTIO_OPERATOR_FILE = 'istio-operator.yaml';
export const ISTIO_HELM_VALUES_FILE = 'istio-helm-values.yaml';
export const ISTIOD_HELM_VALUES_FILE = 'istiod-helm-values.yaml';
export const GATEWAY_HELM_VALUES_FILE = 'gateway-helm-values.yaml';
export const BASE_HELM_VALUES_FILE = 'base-helm-values.yaml';
export const CNI_HELM_VALUES_FILE = 'cni-helm-values.yaml';
export const ZTUNNEL_HELM_VALUES_FILE = 'ztunnel-helm-values.yaml';
/** The port of the ingress gateway Service that clients use for plain HTTP (its `http2` port). */
const HTTP_SERVICE_PORT = 80;
/** The ingress gateway's name in every profile and gateway chart, and the labels istioctl gives it. */
const DEFAULT_GATEWAY_NAME = 'istio-ingressgateway';
const DEFAULT_GATEWAY_LABELS = { istio: 'ingressgateway' };
/** The namespace every Istio chart and profile assumes unless told otherwise. */
export const DEFAULT_ISTIO_NAMESPACE = 'istio-system';
const CERT_VOLUME = 'lightstep-certs';

/** The `--set` flag that hands the token to the install, or nothing when the token is in the file already. */
function tokenFlag(inputs: TracerInputs, valuesPath: string): string[] {
  return inputs.tokenExpression === undefined ? [] : [`--set "${valuesPath}=${inputs.tokenExpression}"`];
}

/** Values of the istio Helm chart of 1.1-1.5, where the tracer is chosen and configured by values alone. */
export function helmChartValuesInput(inputs: TracerInputs, caCertSecretName: string): IstioInstallInput {
  const lightstep: Record<string, unknown> = { address: inputs.address };
  if (inputs.literalToken !== undefined) lightstep.accessToken = inputs.literalToken;
  lightstep.secure = inputs.secure;
  if (inputs.secure) lightstep.cacertPath = inputs.cacertPath;
  return {
    fileName: ISTIO_HELM_VALUES_FILE,
    description: `Helm values for the install/kubernetes/helm/istio chart of the Istio ${inputs.release} release archive: ` +
      `helm template istio $ISTIO_DIR/install/kubernetes/helm/istio --namespace ${inputs.istioNamespace} -f ${ISTIO_HELM_VALUES_FILE}; ` +
      `the sidecar injector then mounts Secret ${caCertSecretName} at the directory of cacertPath.`,
    tool: IstioInstallTool.HELM_ISTIO_CHART,
    installArgs: tokenFlag(inputs, 'global.tracer.lightstep.accessToken'),
    content: {
      global: {
        proxy: { tracer: 'lightstep' },
        tracer: { lightstep },
      },
      pilot: { traceSampling: inputs.sampling },
    },
  };
}

/** Mesh config of 1.6-1.14: the LightStep tracer address and TLS, from which istiod builds every proxy's bootstrap. */
export function nativeTracerMeshConfig(inputs: TracerInputs): Record<string, any> {
  const lightstep: Record<string, unknown> = { address: inputs.address };
  if (inputs.literalToken !== undefined) lightstep.accessToken = inputs.literalToken;
  const tracing: Record<string, unknown> = { sampling: inputs.sampling, lightstep };
  // Without tlsSettings the proxy sends plaintext; LightstepTracing refuses secure without a CA on this path,
  // because an empty caCertificates makes the injector mount at "" and, from 1.7, Envoy reject the bootstrap.
  // In SIMPLE mode the bootstrap sends tlsSettings.sni and no other server name (pkg/bootstrap/option/convert.go),
  // so a satellite pool behind a load balancer that routes by SNI is reached only with the host named here.
  if (inputs.secure) {
    const host = inputs.address.slice(0, inputs.address.lastIndexOf(':'));
    tracing.tlsSettings = { mode: 'SIMPLE', caCertificates: inputs.cacertPath, ...(isIP(host) ? {} : { sni: host }) };
  }
  // Istio trims Envoy's statistics; keeping the tracer's counters lets verify.sh prove that spans were sent.
  const statsInclusion = TracerStatsInclusion.meshConfigFor(inputs.release)?.defaultConfig ?? {};
  return { enableTracing: true, defaultConfig: { tracing, ...statsInclusion } };
}

/** Mesh config of 1.15.0-1.16.0: every proxy's Zipkin tracer reports to the collector's zipkin receiver. */
export function zipkinMeshConfig(sampling: number, collectorAddress: string): Record<string, any> {
  return { enableTracing: true, defaultConfig: { tracing: { sampling, zipkin: { address: collectorAddress } } } };
}

/** Mesh config of 1.16.1+: the OpenTelemetry provider that a Telemetry resource selects by name. */
export function openTelemetryMeshConfig(providerName: string, service: string, port: number): Record<string, any> {
  return {
    enableTracing: true,
    extensionProviders: [{ name: providerName, opentelemetry: { service, port } }],
  };
}

/** How the install inputs pick the proxy's tracer and reach the ingress gateway. */
export interface ProxyTracerChoice {
  /** `values.global.proxy.tracer`, or undefined to leave the chart's default. */
  readonly tracer?: 'lightstep' | 'zipkin';
  /** Whether the token is handed to the install with `--set` (native LightStep tracer only). */
  readonly tokenInMeshConfig: boolean;
  /** Whether the IstioOperator mounts the CA Secret into the ingress gateway with an overlay. */
  readonly gatewayCertificateOverlay: boolean;
}

/**
 * An IstioOperator for `istioctl install -f`. With the native tracer and a CA certificate it can also patch
 * the ingress gateway Deployment, which, unlike sidecars, gets no certificate volume from the injector.
 */
export function istioOperatorInput(inputs: TracerInputs, meshConfig: Record<string, any>, choice: ProxyTracerChoice, caCertSecretName: string): IstioInstallInput {
  const spec: Record<string, unknown> = {};
  // istioctl reads the install's namespace from spec.namespace up to 1.23 (operator/pkg/apis/istio/v1alpha1/common.go)
  // and from values.global.istioNamespace from 1.24 (operator/pkg/render/manifest.go); the profiles set both to
  // istio-system, so another namespace must be given in both. metadata.namespace alone moves nothing.
  const customNamespace = inputs.istioNamespace !== DEFAULT_ISTIO_NAMESPACE;
  if (customNamespace) spec.namespace = inputs.istioNamespace;
  if (inputs.profile !== undefined) spec.profile = inputs.profile;
  if (inputs.revision !== undefined) spec.revision = inputs.revision;
  spec.meshConfig = meshConfig;
  const global: Record<string, unknown> = {};
  if (customNamespace) global.istioNamespace = inputs.istioNamespace;
  if (choice.tracer) global.proxy = { tracer: choice.tracer };
  const values = mergeValues(Object.keys(global).length > 0 ? { global } : {}, inputs.podSecurityValues ?? {});
  if (Object.keys(values).length > 0) spec.values = values;
  const components: Record<string, unknown> = {};
  if (inputs.cniNamespace !== undefined) components.cni = { enabled: true, namespace: inputs.cniNamespace };
  // The profile's gateway is istio-ingressgateway with istio: ingressgateway; one of another name or labels replaces it
  // (istioctl replaces the list).
  if (choice.gatewayCertificateOverlay) components.ingressGateways = [ingressGatewayWithCertificate(inputs, caCertSecretName)];
  else if (!defaultGateway(inputs) && inputs.profile === undefined) components.ingressGateways = [ingressGateway(inputs)];
  if (Object.keys(components).length > 0) spec.components = components;
  return {
    fileName: ISTIO_OPERATOR_FILE,
    description: `IstioOperator for Istio ${inputs.release}: $ISTIO_DIR/bin/istioctl install -f ${ISTIO_OPERATOR_FILE}. ` +
      'An install input, not a manifest to apply.',
    tool: IstioInstallTool.ISTIOCTL,
    installArgs: choice.tokenInMeshConfig ? tokenFlag(inputs, 'meshConfig.defaultConfig.tracing.lightstep.accessToken') : [],
    content: {
      apiVersion: 'install.istio.io/v1alpha1',
      kind: 'IstioOperator',
      metadata: { name: 'lightstep-tracing', namespace: inputs.istioNamespace },
      spec,
    },
  };
}

/** Values of the istiod Helm chart (1.8+): the same mesh config at the top level of the values. */
export function istiodHelmValuesInput(inputs: TracerInputs, meshConfig: Record<string, any>, choice: ProxyTracerChoice): IstioInstallInput {
  const content: Record<string, unknown> = {};
  // The profile brings what ambient mode needs of istiod (PILOT_ENABLE_AMBIENT, the HBONE proxy metadata), merged
  // under these values by the chart's zzz_profile.yaml.
  if (inputs.profile !== undefined) content.profile = inputs.profile;
  if (inputs.revision !== undefined) content.revision = inputs.revision;
  // The sampling rate lives in meshConfig, which overrides the chart's pilot default; its values key moved
  // between releases, so it is not repeated here.
  const global: Record<string, unknown> = {};
  // The chart names istiod's address in the injected proxies and the mesh's root namespace after
  // global.istioNamespace (istio-system by default), not after the release namespace.
  if (inputs.istioNamespace !== DEFAULT_ISTIO_NAMESPACE) global.istioNamespace = inputs.istioNamespace;
  if (choice.tracer) global.proxy = { tracer: choice.tracer };
  Object.assign(content, mergeValues(Object.keys(global).length > 0 ? { global } : {}, inputs.podSecurityValues ?? {}));
  content.meshConfig = meshConfig;
  const gatewayNote = choice.gatewayCertificateOverlay
    ? ' The gateway chart mounts no CA certificate: INSTALL.md patches the lightstep-certs volume into the gateway Deployment after the Helm install.'
    : '';
  const chart = inputs.release.helmChartSource === HelmChartSource.REPOSITORY ? 'istio/istiod' : '$ISTIO_DIR/manifests/charts/istio-control/istio-discovery';
  return {
    fileName: ISTIOD_HELM_VALUES_FILE,
    description: `Helm values for the istiod chart of Istio ${inputs.release}: ` +
      `helm install istiod ${chart} -n ${inputs.istioNamespace} -f ${ISTIOD_HELM_VALUES_FILE} with the chart of that release, ` +
      `as an alternative to ${ISTIO_OPERATOR_FILE}.${gatewayNote}`,
    tool: IstioInstallTool.HELM_ISTIOD_CHART,
    installArgs: choice.tokenInMeshConfig ? tokenFlag(inputs, 'meshConfig.defaultConfig.tracing.lightstep.accessToken') : [],
    content,
  };
}

/** The seccomp profile Pod Security "restricted" admits without a profile file on the node. */
const RUNTIME_DEFAULT_SECCOMP = { type: 'RuntimeDefault' };

/**
 * The istiod chart values that let Pod Security admit the pods of a release: Istio CNI on for injection (`cniValue`,
 * see IstioRelease.istioCniValue), and a seccomp profile for the gateway pods istiod deploys for Gateway API Gateways
 * (`gatewayValue`, see IstioRelease.gatewayPodSecurityValue). gateways.securityContext replaces the gateway template's
 * whole pod securityContext, so it restates the sysctl the template sets there (ports below 1024 without privileges).
 */
export function podSecurityValues(cniValue: string | undefined, gatewayValue: string | undefined): Record<string, any> {
  const cni = cniValue === undefined ? {} : valueAt(cniValue, true);
  if (gatewayValue === undefined) return cni;
  const gateway = gatewayValue.endsWith('.securityContext')
    ? { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }], seccompProfile: RUNTIME_DEFAULT_SECCOMP }
    : RUNTIME_DEFAULT_SECCOMP;
  return mergeValues(cni, valueAt(gatewayValue, gateway));
}

/** `{a: {b: value}}` for the dotted path "a.b": a Helm value as its values file writes it. */
export function valueAt(dottedPath: string, value: unknown): Record<string, any> {
  return dottedPath.split('.').reduceRight<any>((inner, key) => ({ [key]: inner }), value);
}

/** Helm values `base` with `extra` merged in, mappings merged key by key, `extra` winning elsewhere; neither is changed. */
export function mergeValues(base: Record<string, any>, extra: Record<string, any>): Record<string, any> {
  const merged: Record<string, any> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const isMapping = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
    merged[key] = isMapping(merged[key]) && isMapping(value) ? mergeValues(merged[key], value) : value;
  }
  return merged;
}

/**
 * Values of the base chart (1.8+), where its defaults do not fit: the namespace its service accounts and the default
 * validating webhook live in (global.istioNamespace, istio-system by default), and from 1.12 the revision whose istiod
 * that webhook calls (defaultRevision: "default", which no istiod answers when only a revision is installed).
 * Undefined when the defaults fit.
 */
export function baseHelmValuesInput(inputs: TracerInputs): IstioInstallInput | undefined {
  const content: Record<string, unknown> = {};
  if (inputs.revision !== undefined && inputs.release.helmChartSource === HelmChartSource.REPOSITORY) content.defaultRevision = inputs.revision;
  if (inputs.istioNamespace !== DEFAULT_ISTIO_NAMESPACE) content.global = { istioNamespace: inputs.istioNamespace };
  if (Object.keys(content).length === 0) return undefined;
  const chart = inputs.release.helmChartSource === HelmChartSource.REPOSITORY ? 'istio/base' : '$ISTIO_DIR/manifests/charts/base';
  return {
    fileName: BASE_HELM_VALUES_FILE,
    description: `Helm values for the base chart of Istio ${inputs.release}: helm install istio-base ${chart} -n ${inputs.istioNamespace} -f ${BASE_HELM_VALUES_FILE}, before istiod.`,
    tool: IstioInstallTool.HELM_BASE_CHART,
    installArgs: [],
    content,
  };
}

/**
 * Values of the ingress gateway chart (1.8+), where its defaults do not fit: the revision that labels the gateway's
 * pods for that revision's injector (and, 1.8-1.11, names its istiod in CA_ADDR); the namespace the archive's gateway
 * chart reads istiod's address from; and, where Istio's Gateways bind the pod port 8080 (1.19+, as Bookinfo's does),
 * the Service ports of the `istio/gateway` chart mapped the way istioctl's gateway maps them (80 to 8080, 443 to 8443):
 * the chart's own map 80 to 80, and istiod binds a Gateway server port that no Service port names as it is
 * (pilot/pkg/model/gateway.go, resolvePorts), so nothing would reach the 8080 listener. Undefined when the defaults fit.
 */
export function gatewayHelmValuesInput(inputs: TracerInputs): IstioInstallInput | undefined {
  const content: Record<string, unknown> = {};
  if (inputs.revision !== undefined) content.revision = inputs.revision;
  const archiveChart = inputs.release.helmChartSource !== HelmChartSource.REPOSITORY;
  if (archiveChart && inputs.istioNamespace !== DEFAULT_ISTIO_NAMESPACE) content.global = { istioNamespace: inputs.istioNamespace };
  if (!defaultGateway(inputs)) {
    // The archive's chart names its objects after gateways.istio-ingressgateway.name, not after the Helm release, and
    // labels them with its labels; the repository's labels its pods istio: <name without istio-> unless labels.istio
    // says otherwise. Both get the labels istioctl's gateway gets, so that one Gateway selector fits every route.
    if (archiveChart) {
      content.gateways = { 'istio-ingressgateway': { name: inputs.ingressGatewayName, labels: { app: inputs.ingressGatewayName, ...inputs.ingressGatewayLabels } } };
    } else {
      content.labels = { ...inputs.ingressGatewayLabels };
    }
  }
  const httpPort = inputs.release.ingressGatewayPort;
  if (!archiveChart && httpPort !== HTTP_SERVICE_PORT) {
    content.service = {
      ports: [
        { name: 'status-port', port: 15021, protocol: 'TCP', targetPort: 15021 },
        { name: 'http2', port: HTTP_SERVICE_PORT, protocol: 'TCP', targetPort: httpPort },
        { name: 'https', port: 443, protocol: 'TCP', targetPort: httpPort + 443 - HTTP_SERVICE_PORT },
      ],
    };
  }
  if (Object.keys(content).length === 0) return undefined;
  const chart = archiveChart ? '$ISTIO_DIR/manifests/charts/gateways/istio-ingress' : 'istio/gateway';
  return {
    fileName: GATEWAY_HELM_VALUES_FILE,
    description: `Helm values for the ingress gateway chart of Istio ${inputs.release}: ` +
      `helm install ${inputs.ingressGatewayName} ${chart} -n ${inputs.istioNamespace} -f ${GATEWAY_HELM_VALUES_FILE}, after istiod.`,
    tool: IstioInstallTool.HELM_GATEWAY_CHART,
    installArgs: [],
    content,
  };
}

/**
 * Values of the istio/cni and istio/ztunnel charts in ambient mode: their `ambient` profile (files/profile-ambient.yaml
 * of each chart: the CNI agent's ambient redirection, ztunnel's HBONE metadata and distroless image), as upstream's
 * ambient umbrella chart sets it for both (manifests/sample-charts/ambient/values.yaml). Nothing of tracing goes there:
 * neither makes spans.
 */
export function ambientNodeChartInputs(inputs: TracerInputs): IstioInstallInput[] {
  const profile = inputs.profile ?? 'ambient';
  const chart = (name: string, file: string, tool: IstioInstallTool, what: string): IstioInstallInput => ({
    fileName: file,
    description: `Helm values for the ${name} chart of Istio ${inputs.release} (${what}): ` +
      `helm install ${name === 'istio/cni' ? 'istio-cni' : 'ztunnel'} ${name} -n ${inputs.istioNamespace} -f ${file}, after istiod.`,
    tool,
    installArgs: [],
    content: { profile },
  });
  return [
    chart('istio/cni', CNI_HELM_VALUES_FILE, IstioInstallTool.HELM_CNI_CHART, 'the node agent that redirects the traffic of ambient pods to ztunnel'),
    chart('istio/ztunnel', ZTUNNEL_HELM_VALUES_FILE, IstioInstallTool.HELM_ZTUNNEL_CHART, 'the per-node proxy of the ambient data plane, which makes no spans'),
  ];
}

/** The certificate volume and its mount, as the ingress gateway Deployment needs them. */
export function gatewayCertificateVolume(cacertPath: string, caCertSecretName: string): { mount: Record<string, unknown>; volume: Record<string, unknown> } {
  return {
    mount: { name: CERT_VOLUME, mountPath: directoryOf(cacertPath), readOnly: true },
    volume: { name: CERT_VOLUME, secret: { secretName: caCertSecretName, optional: true } },
  };
}

/**
 * `kubectl patch` commands that append the certificate volume and mount to the ingress gateway Deployment,
 * for releases whose istioctl cannot append to a list in an overlay (1.6.0-1.7.0).
 */
export function gatewayCertificatePatchCommands(inputs: TracerInputs, caCertSecretName: string): string[] {
  const { mount, volume } = gatewayCertificateVolume(inputs.cacertPath, caCertSecretName);
  const patch = [
    { op: 'add', path: '/spec/template/spec/volumes/-', value: volume },
    { op: 'add', path: '/spec/template/spec/containers/0/volumeMounts/-', value: mount },
  ];
  return [`kubectl -n ${inputs.istioNamespace} patch deployment ${inputs.ingressGatewayName} --type=json -p '${JSON.stringify(patch)}'`];
}

/**
 * The kubectl patch that mounts the CA Secret into an ingress gateway installed from a Helm chart, which has no
 * overlay. A strategic merge patch merges the volume and the mount by name into the lists the chart's Deployment
 * has, or creates them where it has none (the `istio/gateway` chart leaves volumes to the injector).
 */
export function helmGatewayCertificatePatchCommand(inputs: TracerInputs, caCertSecretName: string): string {
  const { mount, volume } = gatewayCertificateVolume(inputs.cacertPath, caCertSecretName);
  const patch = { spec: { template: { spec: { volumes: [volume], containers: [{ name: 'istio-proxy', volumeMounts: [mount] }] } } } };
  return `kubectl -n ${inputs.istioNamespace} patch deployment ${inputs.ingressGatewayName} --type=strategic -p '${JSON.stringify(patch)}'`;
}

/** The ingress gateway component of the IstioOperator, under its name. */
function ingressGateway(inputs: TracerInputs): Record<string, unknown> {
  const gateway: Record<string, unknown> = { name: inputs.ingressGatewayName, enabled: true };
  if (inputs.istioNamespace !== DEFAULT_ISTIO_NAMESPACE) gateway.namespace = inputs.istioNamespace;
  if (!defaultLabels(inputs)) gateway.label = { ...inputs.ingressGatewayLabels };
  return gateway;
}

/** Whether the gateway's labels are the ones every route gives it under its default name. */
function defaultLabels(inputs: TracerInputs): boolean {
  return JSON.stringify(inputs.ingressGatewayLabels) === JSON.stringify(DEFAULT_GATEWAY_LABELS);
}

/** Whether the gateway is the profiles' and charts' own: its default name and labels. */
function defaultGateway(inputs: TracerInputs): boolean {
  return inputs.ingressGatewayName === DEFAULT_GATEWAY_NAME && defaultLabels(inputs);
}

function ingressGatewayWithCertificate(inputs: TracerInputs, caCertSecretName: string): Record<string, unknown> {
  const gateway = ingressGateway(inputs);
  const { mount, volume } = gatewayCertificateVolume(inputs.cacertPath, caCertSecretName);
  gateway.k8s = {
    overlays: [{
      kind: 'Deployment',
      name: inputs.ingressGatewayName,
      patches: [
        // Index -1 appends; istioctl accepts it from 1.7.1 (see IstioRelease.overlayAppendsWithMinusOne).
        { path: 'spec.template.spec.containers[0].volumeMounts[-1]', value: mount },
        { path: 'spec.template.spec.volumes[-1]', value: volume },
      ],
    }],
  };
  return gateway;
}

/** "/etc/lightstep/cacert.pem" -> "/etc/lightstep": where the injector mounts the Secret. */
export function directoryOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/** "/etc/lightstep/cacert.pem" -> "cacert.pem": the Secret key the mount exposes as that file. */
export function fileNameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
