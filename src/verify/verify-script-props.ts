import { BookinfoIngressKind } from '../bookinfo/bookinfo-ingress-kind';
import { IstioRelease, TracingGeneration } from '../istio-release';

/** The CA Secret the LightStep tracer's pods mount, and where (Istio 1.1-1.14 with a CA certificate). */
export interface VerifyCaCertSecret {
  /** Secret name, e.g. "lightstep.cacert". */
  readonly name: string;
  /** Key of the PEM in the Secret, e.g. "cacert.pem". */
  readonly key: string;
  /** Directory the proxies mount the Secret at, e.g. "/etc/lightstep". */
  readonly mountPath: string;
  /** Every namespace that must hold the Secret. */
  readonly namespaces: string[];
}

/** The Istio ingress gateway, as the check finds it in the Istio namespace. */
export interface VerifyIngressGateway {
  /**
   * Name of the gateway's Deployment and Service.
   * @default 'istio-ingressgateway'
   */
  readonly name?: string;
  /**
   * Label selector of the gateway's pods.
   * @default 'istio=ingressgateway'
   */
  readonly podSelector?: string;
  /**
   * Name of the Service port that carries plain HTTP.
   * @default 'http2'
   */
  readonly servicePortName?: string;
  /**
   * Whether the gateway's pods must mount the CA Secret (Istio 1.4-1.14 with a CA certificate).
   * @default false
   */
  readonly mountsCaCert?: boolean;
}

/** What of Bookinfo the check sends traffic to and reads. */
export interface VerifyBookinfo {
  /** Namespace of Bookinfo. */
  readonly namespace: string;
  /** Names of its Deployments, e.g. "productpage-v1". */
  readonly deploymentNames: string[];
  /** Which ingress carries outside traffic. */
  readonly ingress: BookinfoIngressKind;
  /**
   * Name of the Gateway (Istio or Gateway API).
   * @default 'bookinfo-gateway'
   */
  readonly gatewayName?: string;
  /**
   * Port of the Gateway API listener (the Istio Gateway is reached through the ingress gateway Service's port instead).
   * @default 80
   */
  readonly gatewayPort?: number;
  /**
   * Host the ingress answers for. '*' sends no Host header.
   * @default '*'
   */
  readonly host?: string;
  /**
   * Path of the page.
   * @default '/productpage'
   */
  readonly productPagePath?: string;
  /**
   * Service and port the in-mesh fallback calls.
   * @default 'productpage'
   */
  readonly productPageService?: string;
  /** @default 9080 */
  readonly productPagePort?: number;
}

/** The OpenTelemetry collector between the sidecars and LightStep (Istio 1.15.0 and later). */
export interface VerifyCollector {
  /** Namespace of the collector. */
  readonly namespace: string;
  /** Name of its Deployment. Its pods carry the label app=<name>. */
  readonly name: string;
  /** Secret that holds the access token, in the collector's namespace. */
  readonly tokenSecretName: string;
  /** Key of the token in that Secret. */
  readonly tokenSecretKey: string;
  /**
   * Secret with the CA the collector verifies LightStep's certificate with, in its namespace. The collector mounts
   * it, so without it the pod cannot start.
   * @default no CA Secret: the collector uses the system roots
   */
  readonly caCertSecretName?: string;
  /**
   * Key of the CA certificate in that Secret.
   * @default 'cacert.pem'
   */
  readonly caCertSecretKey?: string;
  /** Receiver the sidecars send to: "otlp", or "zipkin" where the proxies speak Zipkin. */
  readonly receiver: string;
  /**
   * Exporter that sends to LightStep.
   * @default 'otlp'
   */
  readonly exporter?: string;
  /**
   * Port the collector serves its own metrics on, in Prometheus format, on the pod's address (not only localhost).
   * @default 8888
   */
  readonly metricsPort?: number;
}

/** The Telemetry resource that selects the tracing provider (collector path). */
export interface VerifyTelemetry {
  /** Name, e.g. "mesh-default". */
  readonly name: string;
  /** Namespace, the Istio root namespace for a mesh-wide one. */
  readonly namespace: string;
  /** The provider it must name, e.g. "lightstep". */
  readonly providerName: string;
}

/** The ambient data plane, as the check finds it: the node components in the Istio namespace, the waypoint in Bookinfo's. */
export interface VerifyAmbient {
  /**
   * Name of the waypoint Gateway (class istio-waypoint) in the Bookinfo namespace.
   * @default 'waypoint'
   */
  readonly waypointName?: string;
  /** The Services the waypoint must serve, e.g. "productpage". */
  readonly services: string[];
  /**
   * Name of ztunnel's DaemonSet in the Istio namespace.
   * @default 'ztunnel'
   */
  readonly ztunnelDaemonSet?: string;
  /**
   * Name of the Istio CNI node agent's DaemonSet in the Istio namespace.
   * @default 'istio-cni-node'
   */
  readonly cniDaemonSet?: string;
}

/** A plain description of what was generated, from which `VerifyScript` writes the read-only check. */
export interface VerifyScriptProps {
  /** The targeted Istio release, e.g. 1.16.1. */
  readonly istioRelease: IstioRelease;
  /** How that release sends spans. */
  readonly generation: TracingGeneration;
  /**
   * Namespace Istio is installed in.
   * @default 'istio-system'
   */
  readonly istioNamespace?: string;
  /**
   * The ConfigMap that holds the mesh config ("istio", or "istio-<revision>").
   * @default 'istio'
   */
  readonly meshConfigMapName?: string;
  /** Lines the mesh config must hold, each found verbatim in its `mesh` key, e.g. "address: ingest.lightstep.com:443" or "name: lightstep". */
  readonly meshConfigMustContain: string[];
  /**
   * The CA Secret and where it is mounted.
   * @default no CA Secret to check
   */
  readonly caCertSecret?: VerifyCaCertSecret;
  /**
   * The Istio ingress gateway.
   * @default the istio-ingressgateway of `istioctl install`
   */
  readonly ingressGateway?: VerifyIngressGateway;
  /** Bookinfo. */
  readonly bookinfo: VerifyBookinfo;
  /**
   * The collector. When given, spans are proven by its receiver and exporter counters, otherwise by the LightStep
   * tracer's counters in productpage's sidecar.
   * @default no collector: the native LightStep tracer
   */
  readonly collector?: VerifyCollector;
  /**
   * The Telemetry resource to check.
   * @default none
   */
  readonly telemetry?: VerifyTelemetry;
  /**
   * The ambient data plane: checked instead of sidecars, and the waypoint that makes the spans of Bookinfo's calls.
   * @default the sidecar data plane
   */
  readonly ambient?: VerifyAmbient;
  /**
   * Service to select in the LightStep UI.
   * @default '<productPageService>.<bookinfo namespace>'
   */
  readonly lightstepServiceName?: string;
  /**
   * Requests to send to productpage.
   * @default 10
   */
  readonly requests?: number;
  /**
   * Folder of the manifests, relative to the folder of the script: the fixes name it to re-apply them.
   * @default 'manifests'
   */
  readonly manifestsDir?: string;
}
