import { Construct } from 'constructs';
import { Telemetry, TelemetryV1Alpha1 } from '../../imports/telemetry.istio.io';
import { recordRelease } from '../analysis/_app-release';
import { MeshAnalysis } from '../analysis/mesh-analysis';
import { ConfigurationError, locatedIn } from '../configuration-error';
import { DataplaneMode } from '../dataplane-mode';
import { HelmChartSource, IstioRelease, releaseProp, TracingGeneration } from '../istio-release';
import { parseAddress } from './_address';
import {
  ambientNodeChartInputs, baseHelmValuesInput, DEFAULT_ISTIO_NAMESPACE, directoryOf, fileNameOf, gatewayCertificatePatchCommands, gatewayHelmValuesInput, helmGatewayCertificatePatchCommand,
  helmChartValuesInput, istiodHelmValuesInput, istioOperatorInput, nativeTracerMeshConfig, openTelemetryMeshConfig, podSecurityValues, ProxyTracerChoice, TracerInputs, zipkinMeshConfig,
} from './_install-inputs';
import { validateSelector } from '../bookinfo/_validation';
import { assertDnsLabel, assertNamespaceName } from './_names';
import { addWarningOnce } from './_report-once';
import { assertCaCertificateUsable, assertPlaintextReachable, plaintextToHttpsPortWarning } from './_tls';
import { AccessToken, AccessTokenSource } from './access-token';
import { CaCertificate } from './ca-certificate';
import { IstioCniInstall } from './istio-cni-install';
import { IstioInstallInput } from './istio-install-input';
import { LightstepCaCertSecret } from './lightstep-ca-cert-secret';
import { OtelCollector, OtelCollectorOptions } from './otel-collector';

/** Props for `LightstepTracing`. */
export interface LightstepTracingProps {
  /** The Istio release to configure, e.g. 1.30 or 1.9.3. */
  readonly istioRelease: IstioRelease;
  /** LightStep satellite or ingest address as host:port, e.g. "lightstep-satellite.lightstep:9292" or "ingest.lightstep.com:443". */
  readonly address: string;
  /**
   * Whether spans travel over TLS. False only for a satellite that serves plaintext.
   * @default true
   */
  readonly secure?: boolean;
  /**
   * CA that signed the satellite's certificate. Istio 1.1-1.14 require one when secure.
   * @default none: the system roots of the collector (Istio 1.15 and later)
   */
  readonly caCertificate?: CaCertificate;
  /**
   * Where the access token comes from.
   * @default the token from the environment variable LIGHTSTEP_ACCESS_TOKEN
   */
  readonly accessToken?: AccessToken;
  /**
   * Percentage of requests traced, 0 to 100. LightStep analyses unsampled data, so keep 100 and scale the satellites instead.
   * @default 100
   */
  readonly sampling?: number;
  /**
   * Namespaces of the traced applications: each gets the CA Secret on the native tracer generations.
   * @default ['default']
   */
  readonly applicationNamespaces?: string[];
  /**
   * Namespace Istio is installed in, also the root namespace for the mesh-wide Telemetry.
   * @default 'istio-system'
   */
  readonly istioNamespace?: string;
  /**
   * Istio control plane revision (Istio 1.6 and later).
   * @default none: the default revision
   */
  readonly revision?: string;
  /**
   * Path the native LightStep tracer reads the CA from. The Secret is mounted at its directory and its file name is the Secret key.
   * @default '/etc/lightstep/cacert.pem'
   */
  readonly cacertPath?: string;
  /**
   * Name of the ingress gateway Deployment and IstioOperator component that mounts the CA (Istio 1.6-1.14).
   * @default 'istio-ingressgateway'
   */
  readonly ingressGatewayName?: string;
  /**
   * Pod labels the install notes give the ingress gateway on every route, which an Istio Gateway selects.
   *
   * A Bookinfo composed after this construct, given no ingressGatewaySelector, selects them.
   * @default { istio: 'ingressgateway' }, as istioctl's gateway and the gateway charts label it under its default name
   */
  readonly ingressGatewayLabels?: { [key: string]: string };
  /**
   * Where the OpenTelemetry collector runs and which image it uses (Istio 1.15 and later).
   * @default namespace 'observability', image OtelCollector.DEFAULT_IMAGE
   */
  readonly collector?: OtelCollectorOptions;
  /**
   * Name of the mesh extension provider that the Telemetry resource selects (Istio 1.16.1 and later).
   * @default 'lightstep'
   */
  readonly providerName?: string;
  /**
   * The data plane the mesh runs: sidecars, or ambient mode (Istio 1.22 and later; Beta in 1.22-1.23), installed with
   * the `ambient` profile (istiod, the Istio CNI node agent, ztunnel), where waypoints and gateways make the spans.
   * @default DataplaneMode.SIDECAR
   */
  readonly dataplaneMode?: DataplaneMode;
  /**
   * Install Istio with its CNI node agent, which sets up each pod's traffic redirection, so that the sidecar injector
   * leaves out istio-init (whose NET_ADMIN, NET_RAW and root user Pod Security "baseline" and "restricted" refuse).
   *
   * It needs Istio 1.10 or later. The IstioOperator installs the agent; a Helm install adds the chart that `istioCni` names.
   * @default false
   */
  readonly istioCni?: boolean;
  /**
   * Give the pods that istiod deploys for Kubernetes Gateway API Gateways (the ingress gateway and, in ambient mode, the
   * waypoints) the seccomp profile RuntimeDefault, which Pod Security "restricted" requires of them (Istio 1.20.8, 1.21.4
   * and later patches, 1.22.2 and later patches, 1.23 and later; waypoints from 1.23; before 1.16 there are no such pods).
   * @default false
   */
  readonly restrictedGatewayPods?: boolean;
}

const FIELD = 'LightstepTracing';
/** The profile istioctl and the charts enable ambient mode with (manifests/profiles/ambient.yaml, files/profile-ambient.yaml). */
const AMBIENT_PROFILE = 'ambient';
const DEFAULT_CACERT_PATH = '/etc/lightstep/cacert.pem';
const TELEMETRY_NAME = 'mesh-default';
// Where every release's istio-cni chart README installs the node agent: its DaemonSet runs with priorityClassName
// system-node-critical, which Kubernetes admits outside kube-system only with a ResourceQuota the chart leaves off.
const ISTIO_CNI_NAMESPACE = 'kube-system';

/**
 * Istio tracing to LightStep for one Istio release: the install inputs (Helm values or IstioOperator) for
 * that release's generation, the CA Secrets its pods mount, and, from Istio 1.15, the OpenTelemetry collector
 * (receiving Zipkin on 1.15.0-1.16.0, OTLP with a Telemetry resource from 1.16.1). With sidecars every sidecar and
 * gateway reports spans; in ambient mode (1.22 and later) the waypoints and gateways do. The access token never
 * enters a generated file unless given with `AccessToken.fromLiteralUnsafe`.
 */
export class LightstepTracing extends Construct {
  /** The pod labels of the ingress gateway under its default name, on every install route. */
  public static readonly DEFAULT_INGRESS_GATEWAY_LABELS: { [key: string]: string } = { istio: 'ingressgateway' };

  /** The targeted Istio release. */
  public readonly release: IstioRelease;
  /** How that release sends spans to LightStep. */
  public readonly generation: TracingGeneration;
  /** Files the Istio installation reads (Helm values, IstioOperator): write them outside the manifests folder. */
  public readonly installInputs: IstioInstallInput[];
  /**
   * Flags to add to the install command of the first install input so that it receives the token from the
   * shell (`--set ...accessToken=$LIGHTSTEP_ACCESS_TOKEN`); empty on the collector path and for a literal token.
   */
  public readonly tokenInstallArgs: string[];
  /** Shell commands that put the token where the collector reads it, to run once its namespace exists. Empty otherwise. */
  public readonly tokenSetupCommands: string[];
  /**
   * Shell commands to run after the Istio install that mount the CA Secret into the ingress gateway, where the
   * release's istioctl cannot do it with an overlay (1.6.0-1.7.0); empty otherwise.
   */
  public readonly gatewayPatchCommands: string[];
  /**
   * Shell commands that mount the CA Secret into an ingress gateway installed with Istio's Helm gateway chart,
   * which, unlike the IstioOperator, has no overlay (Istio 1.8-1.14 with a CA); empty otherwise.
   */
  public readonly helmGatewayPatchCommands: string[];
  /** The lightstep.cacert Secrets, one per namespace whose pods mount it. */
  public readonly secrets: LightstepCaCertSecret[];
  /** The OpenTelemetry collector (Istio 1.15.0 and later). */
  public readonly collector?: OtelCollector;
  /** The mesh config the install inputs carry (Istio 1.6 and later); the 1.1-1.5 chart derives it from values. */
  public readonly meshConfig?: Record<string, any>;
  /** The extension provider name the Telemetry resource selects (Istio 1.16.1 and later). */
  public readonly providerName?: string;
  /** Where spans go, as host:port. */
  public readonly address: string;
  /** Whether spans travel over TLS. */
  public readonly secure: boolean;
  /** Percentage of requests traced. */
  public readonly sampling: number;
  /** Namespace Istio is installed in, also the root namespace of the mesh-wide Telemetry. */
  public readonly istioNamespace: string;
  /** Where the access token comes from at install time. */
  public readonly accessToken: AccessToken;
  /** Name of the ingress gateway Deployment whose pods mount the CA on the native tracer generations. */
  public readonly ingressGatewayName: string;
  /** Pod labels the ingress gateway gets on every install route. */
  public readonly ingressGatewayLabels: { [key: string]: string };
  /** Path the native LightStep tracer reads the CA from. The Secret is mounted at its directory. */
  public readonly cacertPath: string;
  /** Istio control plane revision, if any. */
  public readonly revision?: string;
  /** The data plane the mesh runs. */
  public readonly dataplaneMode: DataplaneMode;
  /** The Istio CNI node agent the install brings (prop `istioCni`), with the Helm chart that installs it beside istiod. Undefined without. */
  public readonly istioCni?: IstioCniInstall;

  public constructor(scope: Construct, id: string, props: LightstepTracingProps) {
    super(scope, id);
    try {
      this.release = releaseProp(props.istioRelease, `${FIELD}.istioRelease`);
      this.release.assertCanTraceToLightstep(`${FIELD}.istioRelease`);
      const newerWarning = this.release.newerThanKnownWarning;
      if (newerWarning) addWarningOnce(this, `${FIELD}.istioRelease: ${newerWarning}`);
      this.generation = this.release.tracingGeneration;

      const address = parseAddress(`${FIELD}.address`, props.address);
      const secure = props.secure ?? true;
      const sampling = this.validateSampling(props.sampling);
      const istioNamespace = props.istioNamespace ?? 'istio-system';
      assertNamespaceName(`${FIELD}.istioNamespace`, istioNamespace);
      const applicationNamespaces = validateNamespaces(props.applicationNamespaces ?? ['default']);
      const cacertPath = validateCacertPath(props.cacertPath ?? DEFAULT_CACERT_PATH);
      validateRevision(props.revision, this.generation);
      this.dataplaneMode = validateDataplaneMode(props.dataplaneMode ?? DataplaneMode.SIDECAR);
      const ambient = this.dataplaneMode === DataplaneMode.AMBIENT;
      if (ambient) this.assertAmbientFits(istioNamespace, props.revision, props.istioCni);
      const ingressGatewayName = props.ingressGatewayName ?? 'istio-ingressgateway';
      assertDnsLabel(`${FIELD}.ingressGatewayName`, ingressGatewayName, 'Deployment name', 'istio-ingressgateway');
      const ingressGatewayLabels = validateSelector(`${FIELD}.ingressGatewayLabels`, props.ingressGatewayLabels ?? { ...LightstepTracing.DEFAULT_INGRESS_GATEWAY_LABELS });
      const token = props.accessToken ?? AccessToken.fromEnv();
      assertCaCertificateUsable(`${FIELD}.caCertificate`, secure, props.caCertificate);
      assertPlaintextReachable(`${FIELD}.secure`, secure, address);
      const plaintextWarning = plaintextToHttpsPortWarning(`${FIELD}.secure`, secure, address);
      if (plaintextWarning) addWarningOnce(this, plaintextWarning);
      const cniValue = props.istioCni ? this.istioCniValue() : undefined;
      const gatewayPodValue = props.restrictedGatewayPods ? this.gatewayPodSecurityValue(ambient) : undefined;
      this.address = `${address.host}:${address.port}`;
      this.secure = secure;
      this.sampling = sampling;
      this.istioNamespace = istioNamespace;
      this.accessToken = token;
      this.ingressGatewayName = ingressGatewayName;
      this.ingressGatewayLabels = ingressGatewayLabels;
      this.cacertPath = cacertPath;
      this.revision = props.revision;

      const inputs: TracerInputs = {
        release: this.release,
        address: this.address,
        secure,
        cacertPath,
        sampling,
        istioNamespace,
        revision: props.revision,
        ingressGatewayName,
        ingressGatewayLabels,
        literalToken: token.literalValue,
        tokenExpression: token.shellExpression(istioNamespace),
        profile: ambient ? AMBIENT_PROFILE : undefined,
        cniNamespace: cniValue === undefined ? undefined : ISTIO_CNI_NAMESPACE,
        podSecurityValues: podSecurityValues(cniValue, gatewayPodValue),
      };
      if (cniValue !== undefined) {
        this.istioCni = {
          namespace: ISTIO_CNI_NAMESPACE,
          helmChart: this.release.helmChartSource === HelmChartSource.REPOSITORY ? 'istio/cni' : '"$ISTIO_DIR/manifests/charts/istio-cni"',
          helmReleaseName: 'istio-cni',
          daemonSetName: 'istio-cni-node',
          istiodValue: cniValue,
        };
      }

      const collectorPath = this.generation === TracingGeneration.OPENTELEMETRY || this.generation === TracingGeneration.ZIPKIN;
      this.gatewayPatchCommands = [];
      this.helmGatewayPatchCommands = [];
      if (collectorPath) {
        const zipkin = this.generation === TracingGeneration.ZIPKIN;
        this.collector = new OtelCollector(this, 'Collector', {
          ...props.collector,
          address: inputs.address,
          secure,
          caCertificate: props.caCertificate,
          accessToken: token,
          receiveZipkin: zipkin,
        });
        this.secrets = this.collector.caCertSecret ? [this.collector.caCertSecret] : [];
        const choice: ProxyTracerChoice = { tracer: zipkin ? 'zipkin' : undefined, tokenInMeshConfig: false, gatewayCertificateOverlay: false };
        if (zipkin) {
          this.meshConfig = zipkinMeshConfig(sampling, `${this.collector.serviceFqdn}:${this.collector.zipkinPort}`);
        } else {
          this.providerName = validateProviderName(props.providerName ?? 'lightstep');
          this.meshConfig = openTelemetryMeshConfig(this.providerName, this.collector.serviceFqdn, this.collector.grpcPort);
        }
        this.installInputs = [istioOperatorInput(inputs, this.meshConfig, choice, LightstepCaCertSecret.NAME)];
        if (ambient) {
          // The ambient profile installs no ingress gateway, so the gateway chart's values serve nothing.
          this.installInputs.push(istiodHelmValuesInput(inputs, this.meshConfig, choice), ...ambientNodeChartInputs(inputs));
        } else if (this.release.hasIstiodHelmChart) {
          this.installInputs.push(...helmChartInputs(inputs, this.meshConfig, choice));
        }
        this.tokenSetupCommands = this.collector.tokenSetupCommands;
        if (!zipkin) this.addTelemetry(istioNamespace, this.providerName!, sampling);
      } else {
        if (secure && !props.caCertificate) throw this.missingCaCertificate();
        this.secrets = props.caCertificate
          ? this.addCaCertSecrets(props.caCertificate, applicationNamespaces, istioNamespace, cacertPath, ingressGatewayName)
          : [];
        if (this.generation === TracingGeneration.HELM_VALUES) {
          this.installInputs = [helmChartValuesInput(inputs, LightstepCaCertSecret.NAME)];
        } else {
          const mountsGateway = secure && props.caCertificate !== undefined;
          const overlay = mountsGateway && this.release.overlayAppendsWithMinusOne;
          if (mountsGateway && !overlay) this.gatewayPatchCommands = gatewayCertificatePatchCommands(inputs, LightstepCaCertSecret.NAME);
          const choice: ProxyTracerChoice = { tracer: 'lightstep', tokenInMeshConfig: true, gatewayCertificateOverlay: overlay };
          this.meshConfig = nativeTracerMeshConfig(inputs);
          this.installInputs = [istioOperatorInput(inputs, this.meshConfig, choice, LightstepCaCertSecret.NAME)];
          if (this.release.hasIstiodHelmChart) {
            this.installInputs.push(...helmChartInputs(inputs, this.meshConfig, choice));
            if (mountsGateway) this.helmGatewayPatchCommands = [helmGatewayCertificatePatchCommand(inputs, LightstepCaCertSecret.NAME)];
          }
        }
        this.tokenSetupCommands = [];
        if (token.source === AccessTokenSource.LITERAL) {
          addWarningOnce(this, token.literalWarning(`the Istio install inputs ${this.installInputs.map((input) => input.fileName).join(', ')}`));
        }
      }
      this.tokenInstallArgs = this.installInputs[0].installArgs;
      // The release of the app: a Bookinfo created after this without a release of its own follows it.
      recordRelease({
        release: this.release, construct: this, kind: 'LightstepTracing', chosenBy: 'its istioRelease prop', tracing: true, istioNamespace, ingressGatewayLabels,
      });

      for (const input of this.installInputs) {
        const meshConfig = input.content.spec?.meshConfig ?? input.content.meshConfig;
        if (meshConfig) MeshAnalysis.of(this).addMeshConfig({
          meshConfig, source: input.fileName, istioCni: cniValue !== undefined, restrictedGatewayPods: gatewayPodValue !== undefined,
        });
      }
    } catch (error) {
      throw locatedIn(error, 'LightstepTracing', this);
    }
  }

  /** Why a secure native-tracer release cannot go without the satellite's CA, and what to give instead. */
  private missingCaCertificate(): ConfigurationError {
    const why = this.generation === TracingGeneration.HELM_VALUES
      ? `the LightStep tracer of Istio ${this.release} reads the CA from cacertPath when secure is true, and there is no CA to put there`
      : `on Istio ${this.release} a secure LightStep tracer needs tlsSettings.caCertificates: without it the sidecar injector mounts the CA volume ` +
        'at the directory of an empty path (mountPath ""), which the API server rejects, and from Istio 1.7 Envoy rejects the empty TLS validation context';
    return new ConfigurationError(`${FIELD}.caCertificate`, undefined, `a CA certificate is required when secure is true: ${why}`,
      'give the CA certificate that signed the satellite\'s certificate (in the app: lightstep.caCertificateFile), ' +
      'or set secure: false for a satellite that serves plaintext');
  }

  /**
   * What ambient mode rules out here, and the Beta warning of 1.22-1.23. The Istio CNI node agent recognises ztunnel's
   * pods by the namespace istio-system (SYSTEM_NAMESPACE, cni/pkg/nodeagent/options.go), which its chart lets no one
   * change before 1.27; 1.22's istiod trusts only the ztunnel of istio-system or kube-system (CA_TRUSTED_NODE_ACCOUNTS of
   * the ambient profile). A revision reaches a namespace through istio.io/rev, which also turns sidecar injection on
   * (the rev.namespace.sidecar-injector.istio.io webhook), and the one ztunnel of a node serves one control plane.
   */
  private assertAmbientFits(istioNamespace: string, revision: string | undefined, istioCni: boolean | undefined): void {
    // Every release with ambient mode (1.22+) takes the OpenTelemetry collector path, the only one this mode is set up on.
    this.release.assertSupportsAmbient(`${FIELD}.dataplaneMode`);
    const beta = this.release.ambientBetaWarning;
    if (beta) addWarningOnce(this, `${FIELD}.dataplaneMode: ${beta}`);
    if (istioNamespace !== DEFAULT_ISTIO_NAMESPACE) {
      throw new ConfigurationError(`${FIELD}.istioNamespace`, istioNamespace,
        `ambient mode needs Istio in ${DEFAULT_ISTIO_NAMESPACE}: the Istio CNI node agent finds ztunnel only there (SYSTEM_NAMESPACE, which the istio/cni chart cannot change before 1.27), ` +
        'and the ztunnel and istiod charts must then be told of each other\'s namespace',
        `remove ${FIELD}.istioNamespace (Istio goes to ${DEFAULT_ISTIO_NAMESPACE}), or set ${FIELD}.dataplaneMode to sidecar`);
    }
    if (revision !== undefined) {
      throw new ConfigurationError(`${FIELD}.revision`, revision,
        'in ambient mode a namespace selects a revision with istio.io/rev, which also turns sidecar injection on for it, and the one ztunnel of each node serves one control plane',
        `remove ${FIELD}.revision in ambient mode, or set ${FIELD}.dataplaneMode to sidecar`);
    }
    if (istioCni) {
      throw new ConfigurationError(`${FIELD}.istioCni`, true,
        'the ambient profile installs the Istio CNI node agent itself, in the Istio namespace beside ztunnel (which it finds only there); a second agent would redirect the same pods',
        `remove ${FIELD}.istioCni in ambient mode`);
    }
  }

  /** The istiod value that turns Istio CNI on at this release, or a refusal that says why Pod Security cannot be met. */
  private istioCniValue(): string {
    const value = this.release.istioCniValue;
    if (value !== undefined) return value;
    throw new ConfigurationError(`${FIELD}.istioCni`, true,
      `Istio ${this.release} cannot run pods under Pod Security "baseline" or "restricted": it registers its sidecar injector with ` +
      'admissionregistration.k8s.io/v1beta1, which Kubernetes removed in 1.22, so it installs on no cluster that enforces Pod Security ' +
      '(on by default from Kubernetes 1.23), and without Istio CNI every injected pod gets istio-init (NET_ADMIN, NET_RAW, root)',
      'target Istio 1.10 or later, or leave Pod Security to a namespace that does not enforce baseline or restricted (in the app: bookinfo.restrictedPodSecurity: false)');
  }

  /**
   * The istiod value that gives Gateway API gateway pods a seccomp profile at this release, or a refusal; none before
   * 1.16, whose istiod implements no Gateway API and so deploys no such pod. In ambient mode the waypoints need it too,
   * whose template (files/waypoint.yaml) reads gateways.seccompProfile from 1.23 and no value before.
   */
  private gatewayPodSecurityValue(ambient: boolean): string | undefined {
    if (ambient) {
      const waypointValue = this.release.waypointSeccompValue;
      if (waypointValue !== undefined) return waypointValue;
      throw new ConfigurationError(`${FIELD}.restrictedGatewayPods`, true,
        `the waypoint pod of Istio ${this.release} has no seccomp profile, which Pod Security "restricted" requires, and its template (files/waypoint.yaml) reads no value that would set one (gateways.seccompProfile arrived in 1.23)`,
        'target Istio 1.23 or later, or do without "restricted" in the waypoint\'s namespace (in the app: bookinfo.restrictedPodSecurity: false)');
    }
    if (this.release.gatewayApiCrdVersion === undefined) return undefined;
    const value = this.release.gatewayPodSecurityValue;
    if (value !== undefined) return value;
    throw new ConfigurationError(`${FIELD}.restrictedGatewayPods`, true,
      `Istio ${this.release} deploys the pod of a Gateway API Gateway with no seccomp profile, which Pod Security "restricted" requires, ` +
      'and its gateway template reads no value that would set one (gateways.seccompProfile arrived in 1.23, gateways.securityContext in 1.20.8, 1.21.4 and 1.22.2)',
      'use the Istio Gateway ingress, whose gateway runs in the Istio namespace (in the app: bookinfo.ingress: istio-gateway), ' +
      'or target Istio 1.23 or later, or do without "restricted" (in the app: bookinfo.restrictedPodSecurity: false)');
  }

  /** Namespaces that got the lightstep.cacert Secret, in creation order. */
  public get secretNamespaces(): string[] {
    return this.secrets.map((secret) => secret.namespace);
  }

  private validateSampling(sampling: number | undefined): number {
    if (sampling === undefined) return 100;
    if (typeof sampling !== 'number' || !Number.isFinite(sampling) || sampling < 0 || sampling > 100) {
      throw new ConfigurationError(`${FIELD}.sampling`, sampling, 'sampling is a percentage from 0 to 100',
        'give a number from 0 to 100; 100 (the default) is what LightStep recommends');
    }
    // 1.6-1.16.0 carry the rate in meshConfig.defaultConfig.tracing.sampling, where Pilot reads 0 as unset
    // (pilot/pkg/networking/core/v1alpha3, updateTraceSamplingConfig, proxyConfigSamplingValue).
    const meshConfigRate = this.generation === TracingGeneration.MESH_CONFIG || this.generation === TracingGeneration.ZIPKIN;
    if (sampling === 0 && meshConfigRate) {
      throw new ConfigurationError(`${FIELD}.sampling`, sampling,
        `Istio ${this.release} reads a sampling of 0 as unset and samples at Pilot's PILOT_TRACE_SAMPLING (1% by default)`,
        'give the smallest rate you want, e.g. 0.01; to send no span at all, leave tracing out of the install');
    }
    if (sampling < 100) {
      addWarningOnce(this, `${FIELD}.sampling is ${sampling}%: LightStep analyses unsampled data and advises tracing 100% of requests; ` +
        'scale the satellite pool instead of sampling');
    }
    return sampling;
  }

  /** One Secret per namespace whose pods mount it: the applications' sidecars, and the gateways where they mount it too. */
  private addCaCertSecrets(certificate: CaCertificate, applicationNamespaces: string[], istioNamespace: string,
    cacertPath: string, ingressGatewayName: string): LightstepCaCertSecret[] {
    const sidecarReason = `sidecars of Istio ${this.release} mount it at ${directoryOf(cacertPath)} to verify the LightStep satellite`;
    const reasons = new Map<string, string>();
    for (const namespace of applicationNamespaces) reasons.set(namespace, sidecarReason);
    if (this.release.gatewaysMountCaCert) {
      const gatewayReason = `the ingress gateway ${ingressGatewayName} of Istio ${this.release} mounts it at ${directoryOf(cacertPath)}`;
      reasons.set(istioNamespace, reasons.has(istioNamespace) ? `${reasons.get(istioNamespace)}; ${gatewayReason}` : gatewayReason);
    }
    // The injector mounts the Secret into every pod of every injected namespace, listed here or not.
    MeshAnalysis.of(this).requireSecretInInjectedNamespaces({
      name: LightstepCaCertSecret.NAME, key: fileNameOf(cacertPath), reason: sidecarReason,
    });
    return [...reasons].map(([namespace, reason]) => {
      const secret = LightstepCaCertSecret.of(this, `CaCertSecret-${namespace}`, { namespace, certificate, key: fileNameOf(cacertPath) });
      MeshAnalysis.of(this).requireSecret({ namespace, name: secret.name, key: secret.key, reason });
      return secret;
    });
  }

  /** The mesh-wide Telemetry in the root namespace that selects the collector provider for every proxy. */
  private addTelemetry(istioNamespace: string, providerName: string, sampling: number): void {
    const props = {
      metadata: { name: TELEMETRY_NAME, namespace: istioNamespace },
      spec: { tracing: [{ providers: [{ name: providerName }], randomSamplingPercentage: sampling }] },
    };
    const apiVersion = this.release.telemetryApiVersion(`${FIELD}.istioRelease`);
    if (apiVersion === Telemetry.GVK.apiVersion) {
      new Telemetry(this, 'Telemetry', props);
    } else {
      new TelemetryV1Alpha1(this, 'Telemetry', props);
    }
  }
}

/** The Helm route's values files: istiod's, and the gateway's when the control plane is not the default one. */
function helmChartInputs(inputs: TracerInputs, meshConfig: Record<string, any>, choice: ProxyTracerChoice): IstioInstallInput[] {
  const base = baseHelmValuesInput(inputs);
  const gateway = gatewayHelmValuesInput(inputs);
  return [...(base ? [base] : []), istiodHelmValuesInput(inputs, meshConfig, choice), ...(gateway ? [gateway] : [])];
}

function validateNamespaces(namespaces: string[]): string[] {
  if (!Array.isArray(namespaces)) {
    throw new ConfigurationError(`${FIELD}.applicationNamespaces`, namespaces, 'not a list of namespaces', 'give a list, e.g. ["default"]');
  }
  namespaces.forEach((namespace, index) => assertNamespaceName(`${FIELD}.applicationNamespaces[${index}]`, namespace));
  return [...new Set(namespaces)];
}

function validateCacertPath(path: string): string {
  const fileName = typeof path === 'string' ? fileNameOf(path) : '';
  if (typeof path !== 'string' || !path.startsWith('/') || /\s/.test(path) || directoryOf(path) === '' || !/^[-._a-zA-Z0-9]+$/.test(fileName)) {
    throw new ConfigurationError(`${FIELD}.cacertPath`, path, 'not an absolute file path below a directory',
      `give the path the proxies read the CA from, e.g. "${DEFAULT_CACERT_PATH}"; the Secret is mounted at its directory and keyed by its file name`);
  }
  return path;
}

function validateRevision(revision: string | undefined, generation: TracingGeneration): void {
  if (revision === undefined) return;
  assertDnsLabel(`${FIELD}.revision`, revision, 'revision name', '1-30-3');
  // Revisions arrived with istioctl's IstioOperator install in 1.6, the first release of the mesh config generation.
  if (generation === TracingGeneration.HELM_VALUES) {
    throw new ConfigurationError(`${FIELD}.revision`, revision, 'Istio 1.1-1.5 have no control plane revisions',
      'remove revision, or target Istio 1.6 or later');
  }
}

function validateDataplaneMode(mode: DataplaneMode): DataplaneMode {
  if (!Object.values(DataplaneMode).includes(mode)) {
    throw new ConfigurationError(`${FIELD}.dataplaneMode`, mode, 'not a data plane mode', `use one of ${Object.values(DataplaneMode).map((m) => `"${m}"`).join(', ')}`);
  }
  return mode;
}

function validateProviderName(name: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9]([-._A-Za-z0-9]*[A-Za-z0-9])?$/.test(name)) {
    throw new ConfigurationError(`${FIELD}.providerName`, name, 'not a usable extension provider name',
      'use letters, digits, "-", "_" and ".", e.g. "lightstep"');
  }
  return name;
}
