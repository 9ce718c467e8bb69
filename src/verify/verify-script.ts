import { ApiObject } from 'cdk8s';
import { Bookinfo } from '../bookinfo/bookinfo';
import { BookinfoIngressKind } from '../bookinfo/bookinfo-ingress-kind';
import { ConfigurationError } from '../configuration-error';
import { DataplaneMode } from '../dataplane-mode';
import { IstioRelease, releaseProp, TracingGeneration } from '../istio-release';
import { assertDnsLabel, assertNamespaceName, assertObjectName, assertSecretKey } from '../tracing/_names';
import { LightstepCaCertSecret } from '../tracing/lightstep-ca-cert-secret';
import { LightstepTracing } from '../tracing/lightstep-tracing';
import { AmbientModel } from './_ambient-checks';
import { renderScript, ScriptModel } from './_script';
import { TracerStatsInclusion } from '../tracing/tracer-stats-inclusion';
import { VerifyAmbient, VerifyScriptProps } from './verify-script-props';

/** The constructs a verification is written for. */
export interface VerifyScriptSources {
  /** The tracing setup. */
  readonly tracing: LightstepTracing;
  /** The Bookinfo sample the traffic goes to. */
  readonly bookinfo: Bookinfo;
  /**
   * Namespace Istio is installed in.
   * @default the `istioNamespace` of the tracing construct
   */
  readonly istioNamespace?: string;
  /**
   * Requests to send to productpage.
   * @default 10
   */
  readonly requests?: number;
  /**
   * Folder of the manifests, relative to the folder of the script.
   * @default 'manifests'
   */
  readonly manifestsDir?: string;
}

const FIELD = 'VerifyScript';
const DEFAULT_GATEWAY = 'istio-ingressgateway';
const DEFAULT_MESH_CONFIGMAP = 'istio';
/** What the istio/ztunnel and istio/cni charts name their DaemonSets (templates/daemonset.yaml). */
const DEFAULT_ZTUNNEL_DAEMONSET = 'ztunnel';
const DEFAULT_CNI_DAEMONSET = 'istio-cni-node';
const DEFAULT_WAYPOINT = 'waypoint';

/**
 * A read-only bash script (`verify.sh`) that checks, on the cluster, that what was generated works: the CA Secrets
 * and their mounts, the collector and its token Secret, the mesh config and the Telemetry resource; then sends
 * requests to productpage and proves from the proxies' or the collector's own counters that spans left the mesh.
 * It prints a verdict line per check (ok, or the problem and its fix) and exits 0 only when spans were sent.
 */
export class VerifyScript {
  /** File name the app writes the script as. */
  public static readonly FILE_NAME = 'verify.sh';

  /**
   * The script for a plain description of what was generated.
   * @param props what was generated
   */
  public static render(props: VerifyScriptProps): string {
    return renderScript(VerifyScript.model(props));
  }

  /**
   * The script for the tracing and Bookinfo constructs of a chart: the same facts their manifests and install inputs hold.
   * @param sources the constructs
   */
  public static fromConstructs(sources: VerifyScriptSources): string {
    return VerifyScript.render(VerifyScript.propsFromConstructs(sources));
  }

  /**
   * The description `render` takes, read from the constructs, for a caller that wants to adjust it first.
   * @param sources the constructs
   */
  public static propsFromConstructs(sources: VerifyScriptSources): VerifyScriptProps {
    const { tracing, bookinfo } = sources;
    const istioNamespace = sources.istioNamespace ?? tracing.istioNamespace;
    const collector = tracing.collector;
    // What the mesh ConfigMap must hold, one YAML key and value per line as it renders them: the address the proxies'
    // tracer sends to (the LightStep one, or the collector's Zipkin port), or the provider that names the collector.
    const meshConfigMustContain: string[] = [];
    if (collector?.zipkinPort !== undefined) {
      meshConfigMustContain.push(`address: ${collector.serviceFqdn}:${collector.zipkinPort}`);
    } else if (collector) {
      meshConfigMustContain.push(`name: ${tracing.providerName}`, `service: ${collector.serviceFqdn}`);
    } else {
      meshConfigMustContain.push(`address: ${tracing.address}`);
    }
    // On the collector path only the collector mounts the CA; the sidecars mount it on the native tracer's path.
    const sidecarSecrets = collector ? [] : tracing.secrets;
    const telemetry = tracing.node.tryFindChild('Telemetry') as ApiObject | undefined;
    const selector = bookinfo.ingressGatewaySelector;

    return {
      istioRelease: tracing.release,
      generation: tracing.generation,
      istioNamespace,
      meshConfigMapName: tracing.revision ? `${DEFAULT_MESH_CONFIGMAP}-${tracing.revision}` : DEFAULT_MESH_CONFIGMAP,
      meshConfigMustContain,
      caCertSecret: sidecarSecrets.length > 0 ? {
        name: sidecarSecrets[0].name,
        key: sidecarSecrets[0].key,
        mountPath: tracing.cacertPath.slice(0, tracing.cacertPath.lastIndexOf('/')),
        namespaces: sidecarSecrets.map((secret) => secret.namespace),
      } : undefined,
      ingressGateway: {
        name: tracing.ingressGatewayName,
        podSelector: selector ? Object.entries(selector).map(([key, value]) => `${key}=${value}`).join(',') : undefined,
        mountsCaCert: sidecarSecrets.length > 0 && tracing.release.gatewaysMountCaCert,
      },
      bookinfo: {
        namespace: bookinfo.namespace,
        deploymentNames: bookinfo.deploymentNames,
        ingress: bookinfo.ingress,
        gatewayName: bookinfo.gatewayName,
        gatewayPort: bookinfo.gatewayPort,
        host: bookinfo.ingressHost,
        productPagePath: bookinfo.productPagePath,
        productPageService: bookinfo.productPageService,
        productPagePort: bookinfo.productPagePort,
      },
      collector: collector ? {
        namespace: collector.namespace,
        name: collector.serviceName,
        tokenSecretName: collector.accessTokenSecretName,
        tokenSecretKey: collector.accessTokenSecretKey,
        caCertSecretName: collector.caCertSecret?.name,
        caCertSecretKey: collector.caCertSecret?.key,
        receiver: collector.proxyReceiver,
        exporter: collector.lightstepExporter,
        metricsPort: collector.metricsPort,
      } : undefined,
      telemetry: telemetry && tracing.providerName ? {
        name: telemetry.metadata.name!,
        namespace: telemetry.metadata.namespace!,
        providerName: tracing.providerName,
      } : undefined,
      ambient: bookinfo.dataplaneMode === DataplaneMode.AMBIENT ? {
        waypointName: bookinfo.waypoint?.name,
        services: bookinfo.microservices.map((microservice) => microservice.serviceName),
      } : undefined,
      lightstepServiceName: bookinfo.waypoint ? waypointSpanService(tracing.release, bookinfo.waypoint.name, bookinfo.namespace) : undefined,
      requests: sources.requests,
      manifestsDir: sources.manifestsDir,
    };
  }

  /** Applies the defaults and checks every name that lands in the script. */
  private static model(props: VerifyScriptProps): ScriptModel {
    const release = releaseProp(props.istioRelease, `${FIELD}.istioRelease`);
    const istioNamespace = props.istioNamespace ?? 'istio-system';
    assertNamespaceName(`${FIELD}.istioNamespace`, istioNamespace);
    const meshConfigMapName = props.meshConfigMapName ?? DEFAULT_MESH_CONFIGMAP;
    assertObjectName(`${FIELD}.meshConfigMapName`, meshConfigMapName);
    const b = props.bookinfo;
    assertNamespaceName(`${FIELD}.bookinfo.namespace`, b.namespace);
    b.deploymentNames.forEach((name, index) => assertDnsLabel(`${FIELD}.bookinfo.deploymentNames[${index}]`, name, 'Deployment name', 'productpage-v1'));
    const service = b.productPageService ?? 'productpage';
    assertDnsLabel(`${FIELD}.bookinfo.productPageService`, service, 'Service name', 'productpage');
    const gateway = props.ingressGateway ?? {};
    const gatewayName = gateway.name ?? DEFAULT_GATEWAY;
    assertDnsLabel(`${FIELD}.ingressGateway.name`, gatewayName, 'Deployment name', DEFAULT_GATEWAY);
    const manifestsDir = props.manifestsDir ?? 'manifests';
    if (manifestsDir.startsWith('/') || manifestsDir.split('/').includes('..') || !/^[-._/a-zA-Z0-9]+$/.test(manifestsDir)) {
      throw new ConfigurationError(`${FIELD}.manifestsDir`, manifestsDir, 'not a folder below the script\'s folder',
        'give the manifests folder relative to the script\'s folder, e.g. "manifests"');
    }
    const requests = props.requests ?? 10;
    if (!Number.isInteger(requests) || requests < 1 || requests > 1000) {
      throw new ConfigurationError(`${FIELD}.requests`, requests, 'not a number of requests', 'give a whole number from 1 to 1000, e.g. 10');
    }
    if (props.caCertSecret) {
      assertObjectName(`${FIELD}.caCertSecret.name`, props.caCertSecret.name);
      assertSecretKey(`${FIELD}.caCertSecret.key`, props.caCertSecret.key);
      props.caCertSecret.namespaces.forEach((namespace, index) => assertNamespaceName(`${FIELD}.caCertSecret.namespaces[${index}]`, namespace));
    }
    const collector = props.collector;
    if (collector) {
      assertNamespaceName(`${FIELD}.collector.namespace`, collector.namespace);
      assertDnsLabel(`${FIELD}.collector.name`, collector.name, 'Deployment name', 'otel-collector');
      assertObjectName(`${FIELD}.collector.tokenSecretName`, collector.tokenSecretName);
      assertSecretKey(`${FIELD}.collector.tokenSecretKey`, collector.tokenSecretKey);
      if (collector.caCertSecretName !== undefined) assertObjectName(`${FIELD}.collector.caCertSecretName`, collector.caCertSecretName);
      assertSecretKey(`${FIELD}.collector.caCertSecretKey`, collector.caCertSecretKey ?? LightstepCaCertSecret.KEY);
    } else if (release.tracingGeneration !== TracingGeneration.HELM_VALUES && release.tracingGeneration !== TracingGeneration.MESH_CONFIG) {
      throw new ConfigurationError(`${FIELD}.collector`, undefined, `Istio ${release} proxies have no LightStep tracer, so spans can only be proven at the collector`,
        'describe the collector (namespace, name, token Secret, receiver)');
    }
    return {
      release: release.toString(),
      generation: props.generation,
      istioNamespace,
      meshConfigMapName,
      meshConfigMustContain: props.meshConfigMustContain,
      caCert: props.caCertSecret,
      gateway: {
        name: gatewayName,
        podSelector: gateway.podSelector ?? 'istio=ingressgateway',
        servicePortName: gateway.servicePortName ?? 'http2',
        mountsCaCert: gateway.mountsCaCert ?? false,
      },
      bookinfo: {
        namespace: b.namespace,
        deploymentNames: b.deploymentNames,
        ingress: b.ingress,
        gatewayName: b.gatewayName ?? 'bookinfo-gateway',
        gatewayPort: b.gatewayPort ?? 80,
        host: b.host ?? '*',
        path: b.productPagePath ?? '/productpage',
        service,
        port: b.productPagePort ?? 9080,
      },
      collector: collector ? {
        namespace: collector.namespace,
        name: collector.name,
        tokenSecretName: collector.tokenSecretName,
        tokenSecretKey: collector.tokenSecretKey,
        caCertSecret: collector.caCertSecretName !== undefined
          ? { name: collector.caCertSecretName, key: collector.caCertSecretKey ?? LightstepCaCertSecret.KEY } : undefined,
        receiver: collector.receiver,
        exporter: collector.exporter ?? 'otlp',
        metricsPort: collector.metricsPort ?? 8888,
      } : undefined,
      telemetry: props.telemetry,
      ambient: props.ambient ? ambientModel(props.ambient, release, b.ingress === BookinfoIngressKind.GATEWAY_API ? `${b.gatewayName ?? 'bookinfo-gateway'}-istio.${b.namespace}` : undefined) : undefined,
      lightstepServiceName: props.lightstepServiceName ?? `${service}.${b.namespace}`,
      requests,
      manifestsDir: manifestsDir.replace(/\/$/, ''),
      statsInclusionFix: statsInclusionFix(release, b.namespace, service),
    };
  }

  private constructor() {}
}

/**
 * The ambient model: names checked, and what the release writes (the CNI agent's ambient switch, the WaypointBound
 * condition). `ingressSpanService` is the service name of the Gateway API ingress's spans: istiod names its Deployment
 * `<gateway>-istio` (files/kube-gateway.yaml), and the proxy's spans carry `<workload>.<namespace>`.
 */
function ambientModel(ambient: VerifyAmbient, release: IstioRelease, ingressSpanService: string | undefined): AmbientModel {
  release.assertSupportsAmbient(`${FIELD}.ambient`);
  const ztunnel = ambient.ztunnelDaemonSet ?? DEFAULT_ZTUNNEL_DAEMONSET;
  const cni = ambient.cniDaemonSet ?? DEFAULT_CNI_DAEMONSET;
  const waypoint = ambient.waypointName ?? DEFAULT_WAYPOINT;
  assertDnsLabel(`${FIELD}.ambient.ztunnelDaemonSet`, ztunnel, 'DaemonSet name', DEFAULT_ZTUNNEL_DAEMONSET);
  assertDnsLabel(`${FIELD}.ambient.cniDaemonSet`, cni, 'DaemonSet name', DEFAULT_CNI_DAEMONSET);
  assertDnsLabel(`${FIELD}.ambient.waypointName`, waypoint, 'Gateway name', DEFAULT_WAYPOINT);
  if (!Array.isArray(ambient.services) || ambient.services.length === 0) {
    throw new ConfigurationError(`${FIELD}.ambient.services`, ambient.services, 'the waypoint must serve at least one Service', 'list the Services, e.g. ["productpage"]');
  }
  ambient.services.forEach((name, index) => assertDnsLabel(`${FIELD}.ambient.services[${index}]`, name, 'Service name', 'productpage'));
  return {
    ztunnelDaemonSet: ztunnel,
    cniDaemonSet: cni,
    cniAmbientFlag: release.cniAmbientFlagInConfigMap ? 'configmap' : 'env',
    waypointName: waypoint,
    services: ambient.services,
    waypointBoundCondition: release.hasWaypointBoundCondition,
    ingressSpanService,
  };
}

/**
 * The LightStep service of a waypoint's spans: `<waypoint>.<namespace>` (the proxy's own cluster name, from its
 * `--serviceCluster <service account>.<namespace>`), or on 1.28-1.29 the called Service's hostname (reviews is called
 * on every page).
 */
function waypointSpanService(release: IstioRelease, waypoint: string, namespace: string): string {
  return release.waypointSpansNamedAfterDestination ? `reviews.${namespace}.svc.cluster.local` : `${waypoint}.${namespace}`;
}

/** What to change so that the release keeps the tracer's counters, as a sentence. */
function statsInclusionFix(release: IstioRelease, namespace: string, service: string): string {
  const meshConfig = TracerStatsInclusion.meshConfigFor(release);
  if (meshConfig) {
    return `add meshConfig.defaultConfig.proxyStatsMatcher.inclusionPrefixes: [${TracerStatsInclusion.STAT_PREFIX}] to the install inputs, reinstall, and restart the pods of ${namespace}`;
  }
  const annotations = TracerStatsInclusion.podAnnotationsFor(release);
  const [name, value] = Object.entries(annotations)[0] ?? [TracerStatsInclusion.ANNOTATION, TracerStatsInclusion.STAT_PREFIX];
  return `annotate the pod template of ${service} in ${namespace} with ${name}: "${value}"`;
}
