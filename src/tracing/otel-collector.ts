import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { dump } from 'js-yaml';
import { MeshNamespace } from '../mesh-namespace';
import { MeshAnalysis } from '../analysis/mesh-analysis';
import { ConfigurationError, locatedIn } from '../configuration-error';
import { parseAddress } from './_address';
import { assertDnsLabel, assertNamespaceName } from './_names';
import { addWarningOnce } from './_report-once';
import { assertCaCertificateUsable, assertPlaintextReachable } from './_tls';
import { AccessToken, AccessTokenSource } from './access-token';
import { CaCertificate } from './ca-certificate';
import { LightstepCaCertSecret } from './lightstep-ca-cert-secret';

// contrib 0.120.0. From 0.107 the collector expands only `${env:VAR}` in its config and from 0.111 it has no
// `logging` exporter; the config below relies on neither older form.
const DEFAULT_COLLECTOR_IMAGE = 'otel/opentelemetry-collector-contrib:0.120.0';

/** Where the collector is deployed and with which image. */
export interface OtelCollectorOptions {
  /**
   * Namespace of the collector. Sidecar injection is disabled in it.
   * @default 'observability'
   */
  readonly namespace?: string;
  /**
   * Whether to create the Namespace object. Turn off when the namespace exists already.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Name of the Deployment, Service, ServiceAccount and (with "-config") ConfigMap.
   * @default 'otel-collector'
   */
  readonly name?: string;
  /**
   * Collector container image, pinned.
   * @default OtelCollector.DEFAULT_IMAGE
   */
  readonly image?: string;
}

/** Props for `OtelCollector`. */
export interface OtelCollectorProps extends OtelCollectorOptions {
  /** LightStep satellite or ingest address, host:port, e.g. "ingest.lightstep.com:443". */
  readonly address: string;
  /**
   * Whether the exporter uses TLS. False sends plaintext to a satellite that does not speak TLS.
   * @default true
   */
  readonly secure?: boolean;
  /**
   * CA that signed the satellite's certificate.
   * @default the system roots of the collector image
   */
  readonly caCertificate?: CaCertificate;
  /**
   * Where the collector gets the access token.
   * @default the token from the environment variable LIGHTSTEP_ACCESS_TOKEN
   */
  readonly accessToken?: AccessToken;
  /**
   * Whether the collector also receives Zipkin spans on port 9411, for proxies whose only usable tracer is Zipkin (Istio 1.15.0-1.16.0).
   * @default false
   */
  readonly receiveZipkin?: boolean;
}

const GRPC_PORT = 4317;
const HTTP_PORT = 4318;
const ZIPKIN_PORT = 9411;
const HEALTH_PORT = 13133;
// Component names in the config: receivers and exporters are named by their type.
const OTLP = 'otlp';
const ZIPKIN = 'zipkin';
// The collector's own counters (accepted, sent and failed spans), which verify.sh reads through the API server's
// pod proxy; the collector serves them on localhost only unless told otherwise.
const METRICS_PORT = 8888;
// A reader given in the config replaces the default one and with it the default's settings, so the three settings
// that make the counters read otelcol_receiver_accepted_spans{receiver="otlp",...} (no _total, no unit suffix, no
// otel_scope_* labels), as with the default reader, are repeated here (keys of go.opentelemetry.io/contrib/config).
const METRICS_EXPORTER = {
  host: '0.0.0.0', port: METRICS_PORT, without_type_suffix: true, without_units: true, without_scope_info: true,
};
const CONFIG_DIR = '/conf';
const CONFIG_FILE = 'collector.yaml';
const CA_DIR = '/etc/lightstep';
const TOKEN_ENV = 'LS_TOKEN';
// memory_limiter starts refusing spans at MEMORY_LIMITER_MIB - MEMORY_SPIKE_MIB and GOMEMLIMIT makes the Go
// runtime collect garbage hard at MEMORY_LIMITER_MIB, both well before the container limit gets the pod OOM-killed.
const MEMORY_LIMIT_MIB = 512;
const MEMORY_LIMITER_MIB = 400;
const MEMORY_SPIKE_MIB = 100;

/**
 * An OpenTelemetry Collector that receives OTLP (and, optionally, Zipkin) from the Istio sidecars and exports
 * it to LightStep over OTLP: the path for Istio 1.15.0 and later, whose proxies have no LightStep tracer. The access token stays in a
 * Secret the collector reads; the mesh never sees it.
 */
export class OtelCollector extends Construct {
  /** The collector image used when none is given: otel/opentelemetry-collector-contrib, pinned. */
  public static readonly DEFAULT_IMAGE = DEFAULT_COLLECTOR_IMAGE;

  /** Namespace of the collector. */
  public readonly namespace: string;
  /** Name of the collector Service. */
  public readonly serviceName: string;
  /** Cluster-local DNS name of the Service: what `meshConfig.extensionProviders[].opentelemetry.service` needs. */
  public readonly serviceFqdn: string;
  /** OTLP/gRPC port of the Service, the one the Envoy OpenTelemetry tracer uses. */
  public readonly grpcPort = GRPC_PORT;
  /** Port on which the pod serves the collector's own metrics in Prometheus format (otelcol_receiver_accepted_spans, ...). */
  public readonly metricsPort = METRICS_PORT;
  /** OTLP/HTTP port of the Service. */
  public readonly httpPort = HTTP_PORT;
  /** Zipkin port of the Service, when `receiveZipkin` is on: what `meshConfig.defaultConfig.tracing.zipkin.address` needs. */
  public readonly zipkinPort?: number;
  /** The receiver that takes the proxies' spans: "zipkin" with `receiveZipkin`, "otlp" otherwise. */
  public readonly proxyReceiver: string;
  /** The exporter that sends the spans to LightStep. */
  public readonly lightstepExporter = OTLP;
  /** Container image. */
  public readonly image: string;
  /** Name of the Secret the collector reads the token from, in `namespace`. */
  public readonly accessTokenSecretName: string;
  /** Key of the token in that Secret. */
  public readonly accessTokenSecretKey: string;
  /** Shell commands to run before the collector can start (creating the token Secret from the shell). Empty when none. */
  public readonly tokenSetupCommands: string[];
  /** The collector configuration, as rendered into the ConfigMap. */
  public readonly config: Record<string, any>;
  /** The CA Secret in the collector namespace, when a CA certificate is given. */
  public readonly caCertSecret?: LightstepCaCertSecret;

  public constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id);
    try {
      this.namespace = props.namespace ?? 'observability';
      const name = props.name ?? 'otel-collector';
      assertNamespaceName('OtelCollector.namespace', this.namespace);
      assertDnsLabel('OtelCollector.name', name, 'Service name', 'otel-collector');
      const address = parseAddress('OtelCollector.address', props.address);
      const secure = props.secure ?? true;
      assertCaCertificateUsable('OtelCollector.caCertificate', secure, props.caCertificate);
      assertPlaintextReachable('OtelCollector.secure', secure, address);
      this.image = props.image ?? DEFAULT_COLLECTOR_IMAGE;
      if (typeof this.image !== 'string' || this.image.trim() === '' || /\s/.test(this.image)) {
        throw new ConfigurationError('OtelCollector.image', this.image, 'not a container image reference',
          `give a pinned image, e.g. "${DEFAULT_COLLECTOR_IMAGE}"`);
      }
      this.serviceName = name;
      this.serviceFqdn = `${name}.${this.namespace}.svc.cluster.local`;

      const token = props.accessToken ?? AccessToken.fromEnv();
      [this.accessTokenSecretName, this.accessTokenSecretKey, this.tokenSetupCommands] = this.tokenSecret(token);

      const receiveZipkin = props.receiveZipkin ?? false;
      if (receiveZipkin) this.zipkinPort = ZIPKIN_PORT;
      this.proxyReceiver = receiveZipkin ? ZIPKIN : OTLP;
      const tls = props.caCertificate ? { ca_file: `${CA_DIR}/cacert.pem` } : secure ? undefined : { insecure: true };
      this.config = {
        receivers: {
          [OTLP]: {
            protocols: {
              grpc: { endpoint: `0.0.0.0:${GRPC_PORT}` },
              http: { endpoint: `0.0.0.0:${HTTP_PORT}` },
            },
          },
          ...(receiveZipkin ? { [ZIPKIN]: { endpoint: `0.0.0.0:${ZIPKIN_PORT}` } } : {}),
        },
        processors: {
          memory_limiter: { check_interval: '1s', limit_mib: MEMORY_LIMITER_MIB, spike_limit_mib: MEMORY_SPIKE_MIB },
          batch: {},
        },
        exporters: {
          [OTLP]: {
            endpoint: `${address.host}:${address.port}`,
            headers: { 'lightstep-access-token': `\${env:${TOKEN_ENV}}` },
            ...(tls ? { tls } : {}),
          },
        },
        extensions: {
          // The default endpoint is localhost only; kubelet probes come from outside the pod's loopback.
          health_check: { endpoint: `0.0.0.0:${HEALTH_PORT}` },
        },
        service: {
          telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: METRICS_EXPORTER } } }] } },
          extensions: ['health_check'],
          pipelines: {
            traces: { receivers: receiveZipkin ? [OTLP, ZIPKIN] : [OTLP], processors: ['memory_limiter', 'batch'], exporters: [OTLP] },
          },
        },
      };
      const configYaml = dump(this.config, { lineWidth: -1, noRefs: true });

      if (props.createNamespace ?? true) {
        // Injecting a sidecar into the collector would trace the collector's own export calls.
        new MeshNamespace(this, 'Namespace', { name: this.namespace, sidecarInjection: false });
      }
      if (token.source === AccessTokenSource.LITERAL) {
        addWarningOnce(this, token.literalWarning(`the Secret ${this.accessTokenSecretName} in namespace ${this.namespace}`));
        new k8s.KubeSecret(this, 'AccessTokenSecret', {
          metadata: { name: this.accessTokenSecretName, namespace: this.namespace, labels: { app: 'lightstep' } },
          type: 'Opaque',
          stringData: { [this.accessTokenSecretKey]: token.literalValue! },
        });
      }
      if (props.caCertificate) {
        this.caCertSecret = LightstepCaCertSecret.of(this, 'CaCertSecret', { namespace: this.namespace, certificate: props.caCertificate });
        MeshAnalysis.of(this).requireSecret({
          namespace: this.namespace, name: this.caCertSecret.name, key: this.caCertSecret.key,
          reason: `the OpenTelemetry collector ${name} verifies the LightStep satellite with it`,
        });
      }
      const labels = { app: name };
      new k8s.KubeServiceAccount(this, 'ServiceAccount', {
        metadata: { name, namespace: this.namespace, labels },
        automountServiceAccountToken: false,
      });
      const configMap = new k8s.KubeConfigMap(this, 'Config', {
        metadata: { name: `${name}-config`, namespace: this.namespace, labels },
        data: { [CONFIG_FILE]: configYaml },
      });

      const volumes: k8s.Volume[] = [{ name: 'config', configMap: { name: configMap.name } }];
      const volumeMounts: k8s.VolumeMount[] = [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }];
      if (this.caCertSecret) {
        volumes.push({ name: 'lightstep-certs', secret: { secretName: this.caCertSecret.name } });
        volumeMounts.push({ name: 'lightstep-certs', mountPath: CA_DIR, readOnly: true });
      }
      const healthProbe = { httpGet: { path: '/', port: k8s.IntOrString.fromNumber(HEALTH_PORT) } };
      new k8s.KubeDeployment(this, 'Deployment', {
        metadata: { name, namespace: this.namespace, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: {
              labels: { ...labels, 'sidecar.istio.io/inject': 'false' },
              // A changed config must roll the pod: the collector reads its config only at start.
              annotations: { 'checksum/config': createHash('sha256').update(configYaml).digest('hex') },
            },
            spec: {
              serviceAccountName: name,
              automountServiceAccountToken: false,
              containers: [{
                name: 'otel-collector',
                image: this.image,
                args: [`--config=${CONFIG_DIR}/${CONFIG_FILE}`],
                ports: [
                  { name: 'grpc-otlp', containerPort: GRPC_PORT, protocol: 'TCP' },
                  { name: 'http-otlp', containerPort: HTTP_PORT, protocol: 'TCP' },
                  ...(receiveZipkin ? [{ name: 'http-zipkin', containerPort: ZIPKIN_PORT, protocol: 'TCP' }] : []),
                  { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
                  { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                ],
                env: [
                  { name: TOKEN_ENV, valueFrom: { secretKeyRef: { name: this.accessTokenSecretName, key: this.accessTokenSecretKey } } },
                  { name: 'GOMEMLIMIT', value: `${MEMORY_LIMITER_MIB}MiB` },
                ],
                resources: {
                  requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('256Mi') },
                  limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString(`${MEMORY_LIMIT_MIB}Mi`) },
                },
                readinessProbe: healthProbe,
                livenessProbe: healthProbe,
                volumeMounts,
                securityContext: {
                  runAsNonRoot: true,
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
              }],
              volumes,
            },
          },
        },
      });
      new k8s.KubeService(this, 'Service', {
        metadata: { name, namespace: this.namespace, labels },
        spec: {
          selector: labels,
          ports: [
            // Istio picks the protocol from the port name: without "grpc-" it treats OTLP/gRPC as opaque TCP.
            { name: 'grpc-otlp', port: GRPC_PORT, targetPort: k8s.IntOrString.fromNumber(GRPC_PORT), protocol: 'TCP' },
            { name: 'http-otlp', port: HTTP_PORT, targetPort: k8s.IntOrString.fromNumber(HTTP_PORT), protocol: 'TCP' },
            // Zipkin spans are JSON over HTTP POST; "http-" lets Istio parse them as HTTP.
            ...(receiveZipkin ? [{ name: 'http-zipkin', port: ZIPKIN_PORT, targetPort: k8s.IntOrString.fromNumber(ZIPKIN_PORT), protocol: 'TCP' }] : []),
          ],
        },
      });
    } catch (error) {
      throw locatedIn(error, 'OtelCollector', this);
    }
  }

  /** Returns the Secret name, key and setup commands for the token. */
  private tokenSecret(token: AccessToken): [string, string, string[]] {
    switch (token.source) {
      case AccessTokenSource.ENVIRONMENT:
        return [AccessToken.DEFAULT_SECRET_NAME, AccessToken.DEFAULT_SECRET_KEY, [
          // Server-side apply makes the command repeatable without copying the token into a last-applied annotation.
          `kubectl -n ${this.namespace} create secret generic ${AccessToken.DEFAULT_SECRET_NAME} ` +
          `--from-literal=${AccessToken.DEFAULT_SECRET_KEY}="${token.shellExpression(this.namespace)}" --dry-run=client -o yaml ` +
          '| kubectl apply --server-side -f -',
        ]];
      case AccessTokenSource.SECRET:
        if (token.secretNamespace !== undefined && token.secretNamespace !== this.namespace) {
          throw new ConfigurationError('AccessToken.fromSecret.namespace', token.secretNamespace,
            `the collector runs in namespace "${this.namespace}" and a pod can read Secrets of its own namespace only`,
            `create the Secret ${token.secretName} in "${this.namespace}", or run the collector in "${token.secretNamespace}"`);
        }
        return [token.secretName!, token.secretKey!, []];
      default:
        return [AccessToken.DEFAULT_SECRET_NAME, AccessToken.DEFAULT_SECRET_KEY, []];
    }
  }
}
