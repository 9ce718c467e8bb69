import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { WAYPOINT_CLASS } from './_ambient-labels';
import { GATEWAY_API_GATEWAY } from './bookinfo/_api-kinds';
import { locatedIn } from './configuration-error';
import { IstioRelease, releaseProp } from './istio-release';
import { assertDnsLabel, assertNamespaceName } from './tracing/_names';

const WAYPOINT_API_VERSION = 'gateway.networking.k8s.io/v1';

/** Props of a Waypoint. */
export interface WaypointProps {
  /** Namespace of the waypoint: the namespace whose Services it serves. */
  readonly namespace: string;
  /**
   * Name of the Gateway, and of the Deployment and Service istiod creates for it.
   * @default Waypoint.DEFAULT_NAME ('waypoint')
   */
  readonly name?: string;
  /**
   * Istio release the waypoint runs on. Ambient mode needs 1.22 or later.
   * @default the newest release this library knows
   */
  readonly istioRelease?: IstioRelease;
}

/**
 * A waypoint proxy of Istio's ambient data plane: a Kubernetes Gateway API Gateway of class `istio-waypoint` that
 * istiod deploys as an Envoy Deployment in its namespace. Services bound to it (label `istio.io/use-waypoint`, on the
 * Service or its namespace) get their L7 processing there, and so their spans: ztunnel makes none.
 *
 * The Gateway is the one `istioctl waypoint generate --for service` writes (istioctl/pkg/waypoint/waypoint.go, 1.22-1.30):
 * apiVersion gateway.networking.k8s.io/v1, listener `mesh` on port 15008, protocol HBONE, label
 * `istio.io/waypoint-for: service`, which 1.22's istioctl always writes and which later releases' istiod assumes when
 * the label is absent.
 */
export class Waypoint extends Construct {
  /** The name `istioctl waypoint` gives a waypoint by default. */
  public static readonly DEFAULT_NAME = 'waypoint';
  /** The GatewayClass istiod deploys waypoints for. */
  public static readonly GATEWAY_CLASS = WAYPOINT_CLASS;
  /** The port of the waypoint's HBONE listener, where ztunnel sends the traffic it serves. */
  public static readonly HBONE_PORT = 15008;
  /** The Gateway label that says which traffic the waypoint serves. */
  public static readonly TRAFFIC_TYPE_LABEL = 'istio.io/waypoint-for';

  /** Name of the Gateway (and of the Deployment and Service istiod creates). */
  public readonly name: string;
  /** Namespace of the waypoint. */
  public readonly namespace: string;
  /** The Gateway object. */
  public readonly apiObject: ApiObject;

  public constructor(scope: Construct, id: string, props: WaypointProps) {
    super(scope, id);
    try {
      assertNamespaceName('Waypoint.namespace', props.namespace);
      const name = props.name ?? Waypoint.DEFAULT_NAME;
      assertDnsLabel('Waypoint.name', name, 'Gateway name', Waypoint.DEFAULT_NAME);
      const release = props.istioRelease === undefined ? IstioRelease.newest() : releaseProp(props.istioRelease, 'Waypoint.istioRelease');
      release.assertSupportsAmbient('Waypoint.istioRelease');
      this.name = name;
      this.namespace = props.namespace;
      // istioctl writes gateway.networking.k8s.io/v1 from 1.22 on (gvk.KubernetesGateway_v1), which every Gateway API
      // release these Istio releases pin serves.
      this.apiObject = GATEWAY_API_GATEWAY.create(this, 'Resource', WAYPOINT_API_VERSION, {
        metadata: { name, namespace: props.namespace, labels: { [Waypoint.TRAFFIC_TYPE_LABEL]: 'service' } },
        spec: {
          gatewayClassName: Waypoint.GATEWAY_CLASS,
          listeners: [{ name: 'mesh', port: Waypoint.HBONE_PORT, protocol: 'HBONE' }],
        },
      });
    } catch (error) {
      throw locatedIn(error, 'Waypoint', this);
    }
  }
}
