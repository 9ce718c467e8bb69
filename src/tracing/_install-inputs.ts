import { IstioRelease } from '../istio-release';
import { IstioInstallInput, IstioInstallTool } from './istio-install-input';

/** What the install inputs of every generation are built from, validated by LightstepTracing. */
export interface TracerInputs {
  readonly release: IstioRelease;
  readonly address: string;
  readonly secure: boolean;
  readonly hasCaCertificate: boolean;
  readonly cacertPath: string;
  readonly sampling: number;
  readonly istioNamespace: string;
  readonly revision?: string;
  readonly ingressGatewayName: string;
  /** The token, only when the user opted into writing it into generated files. */
  readonly literalToken?: string;
  /** Shell expression of the token for `--set`, when it is given at install time. */
  readonly tokenExpression?: string;
}

export const ISTIO_OPERATOR_FILE = 'istio-operator.yaml';
export const ISTIO_HELM_VALUES_FILE = 'istio-helm-values.yaml';
export const ISTIOD_HELM_VALUES_FILE = 'istiod-helm-values.yaml';
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
    description: `Helm values for the install/kubernetes/helm/istio chart of Istio ${inputs.release}: ` +
      `helm template install/kubernetes/helm/istio --name istio --namespace ${inputs.istioNamespace} -f ${ISTIO_HELM_VALUES_FILE}; ` +
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
  if (inputs.secure) {
    // Without caCertificates the proxy still encrypts but does not verify the satellite's certificate;
    // leaving tlsSettings out entirely would send spans in plaintext to a TLS port.
    tracing.tlsSettings = inputs.hasCaCertificate ? { mode: 'SIMPLE', caCertificates: inputs.cacertPath } : { mode: 'SIMPLE' };
  }
  return { enableTracing: true, defaultConfig: { tracing } };
}

/** Mesh config of 1.16.1+: the OpenTelemetry provider that a Telemetry resource selects by name. */
export function openTelemetryMeshConfig(providerName: string, service: string, port: number): Record<string, any> {
  return {
    enableTracing: true,
    extensionProviders: [{ name: providerName, opentelemetry: { service, port } }],
  };
}

/**
 * An IstioOperator for `istioctl install -f`. With the native tracer and a CA certificate it also patches
 * the ingress gateway Deployment, which, unlike sidecars, gets no certificate volume from the injector.
 */
export function istioOperatorInput(inputs: TracerInputs, meshConfig: Record<string, any>, nativeTracer: boolean, caCertSecretName: string): IstioInstallInput {
  const spec: Record<string, unknown> = {};
  if (inputs.revision !== undefined) spec.revision = inputs.revision;
  spec.meshConfig = meshConfig;
  if (nativeTracer) {
    spec.values = { global: { proxy: { tracer: 'lightstep' } } };
    if (inputs.secure && inputs.hasCaCertificate) {
      spec.components = { ingressGateways: [ingressGatewayWithCertificate(inputs, caCertSecretName)] };
    }
  }
  return {
    fileName: ISTIO_OPERATOR_FILE,
    description: `IstioOperator for Istio ${inputs.release}: istioctl install -f ${ISTIO_OPERATOR_FILE}. ` +
      'An install input, not a manifest to apply.',
    tool: IstioInstallTool.ISTIOCTL,
    installArgs: nativeTracer ? tokenFlag(inputs, 'meshConfig.defaultConfig.tracing.lightstep.accessToken') : [],
    content: {
      apiVersion: 'install.istio.io/v1alpha1',
      kind: 'IstioOperator',
      metadata: { name: 'lightstep-tracing', namespace: inputs.istioNamespace },
      spec,
    },
  };
}

/** Values of the istiod Helm chart (1.8+): the same mesh config at the top level of the values. */
export function istiodHelmValuesInput(inputs: TracerInputs, meshConfig: Record<string, any>, nativeTracer: boolean): IstioInstallInput {
  const content: Record<string, unknown> = {};
  if (inputs.revision !== undefined) content.revision = inputs.revision;
  // The sampling rate lives in meshConfig, which overrides the chart's pilot default; its values key moved
  // between releases, so it is not repeated here.
  if (nativeTracer) content.global = { proxy: { tracer: 'lightstep' } };
  content.meshConfig = meshConfig;
  const gatewayNote = nativeTracer && inputs.secure && inputs.hasCaCertificate
    ? ' These values do not mount the CA certificate into gateways: install gateways with the IstioOperator, or add the lightstep-certs volume to the gateway Deployment.'
    : '';
  return {
    fileName: ISTIOD_HELM_VALUES_FILE,
    description: `Helm values for the istiod chart of Istio ${inputs.release}: ` +
      `helm install istiod istio/istiod -n ${inputs.istioNamespace} -f ${ISTIOD_HELM_VALUES_FILE} with the chart version of that release, ` +
      `as an alternative to ${ISTIO_OPERATOR_FILE}.${gatewayNote}`,
    tool: IstioInstallTool.HELM_ISTIOD_CHART,
    installArgs: nativeTracer ? tokenFlag(inputs, 'meshConfig.defaultConfig.tracing.lightstep.accessToken') : [],
    content,
  };
}

function ingressGatewayWithCertificate(inputs: TracerInputs, caCertSecretName: string): Record<string, unknown> {
  const gateway: Record<string, unknown> = { name: inputs.ingressGatewayName, enabled: true };
  if (inputs.istioNamespace !== 'istio-system') gateway.namespace = inputs.istioNamespace;
  gateway.k8s = {
    overlays: [{
      kind: 'Deployment',
      name: inputs.ingressGatewayName,
      patches: [
        {
          path: 'spec.template.spec.containers[0].volumeMounts[-1]',
          value: { name: CERT_VOLUME, mountPath: directoryOf(inputs.cacertPath), readOnly: true },
        },
        {
          path: 'spec.template.spec.volumes[-1]',
          value: { name: CERT_VOLUME, secret: { secretName: caCertSecretName, optional: true } },
        },
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
