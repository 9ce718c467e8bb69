import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as gatewayApi from '../../imports/gateway.networking.k8s.io';
import { IstioRelease } from '../istio-release';
import { releaseOrFollowed } from './_release';
import { GATEWAY_API_GATEWAY, HTTP_ROUTE, ISTIO_GATEWAY, VIRTUAL_SERVICE } from './_api-kinds';
import { BOOKINFO_PORT, GATEWAY_NAME, INGRESS_PATHS, INGRESS_ROUTE_NAME, ISTIO_GATEWAY_CLASS, PathMatch } from './_sample';
import { validateDnsLabel, validateEnumValue, validateSelector } from './_validation';
import { BookinfoIngressKind } from './bookinfo-ingress-kind';
import { BookinfoService } from './bookinfo-service';
import { locatedIn } from '../configuration-error';


// The Gateway API Gateway gets its own Service from Istio, so its listener uses the plain HTTP port whatever the release.
const GATEWAY_API_LISTENER_PORT = 80;

/** Props of a BookinfoIngress. */
export interface BookinfoIngressProps {
  /** Namespace of the Gateway and its route. The namespace Bookinfo runs in. */
  readonly namespace: string;
  /**
   * Which API carries the ingress.
   * @default BookinfoIngressKind.ISTIO_GATEWAY
   */
  readonly kind?: BookinfoIngressKind;
  /**
   * Istio release that decides the apiVersions and the ingress gateway port.
   * @default the release of the LightstepTracing already in the app, else the newest release this library knows
   */
  readonly istioRelease?: IstioRelease;
  /**
   * Pod labels of the ingress gateway an Istio Gateway binds to. Helm-installed gateways carry { istio: 'ingress' }.
   * @default { istio: 'ingressgateway' }
   */
  readonly gatewaySelector?: { [key: string]: string };
}

/** The way into Bookinfo: a Gateway and a route that sends the productpage paths to productpage. */
export class BookinfoIngress extends Construct {
  /** The pod labels of the ingress gateway that `istioctl install` (and the IstioOperator profiles) deploys. */
  public static readonly DEFAULT_GATEWAY_SELECTOR: { [key: string]: string } = Object.freeze({ istio: 'ingressgateway' });

  /** Which API carries the ingress. */
  public readonly kind: BookinfoIngressKind;
  /** Name of the Gateway, undefined without ingress. */
  public readonly gatewayName?: string;
  /** Name of the VirtualService or HTTPRoute, undefined without ingress. */
  public readonly routeName?: string;
  /** Port the Gateway server or listener binds: the ingress gateway pod's port for an Istio Gateway, 80 for the Gateway API. */
  public readonly gatewayPort?: number;
  /** The Gateway object, undefined without ingress. */
  public readonly gateway?: ApiObject;
  /** The VirtualService or HTTPRoute, undefined without ingress. */
  public readonly route?: ApiObject;

  public constructor(scope: Construct, id: string, props: BookinfoIngressProps) {
    super(scope, id);
    try {
      const namespace = validateDnsLabel('BookinfoIngress.namespace', props.namespace);
      this.kind = validateEnumValue('BookinfoIngress.kind', props.kind ?? BookinfoIngressKind.ISTIO_GATEWAY, BookinfoIngressKind);
      const release = releaseOrFollowed(this, props.istioRelease, 'BookinfoIngress.istioRelease').release;
      const selector = validateSelector('BookinfoIngress.gatewaySelector', props.gatewaySelector ?? BookinfoIngress.DEFAULT_GATEWAY_SELECTOR);
      if (this.kind === BookinfoIngressKind.NONE) return;

      this.gatewayName = GATEWAY_NAME;
      this.routeName = INGRESS_ROUTE_NAME;
      const gatewayMetadata = { name: GATEWAY_NAME, namespace };
      const routeMetadata = { name: INGRESS_ROUTE_NAME, namespace };

      if (this.kind === BookinfoIngressKind.ISTIO_GATEWAY) {
        const apiVersion = release.networkingApiVersion;
        this.gatewayPort = release.ingressGatewayPort;
        this.gateway = ISTIO_GATEWAY.create(this, 'Gateway', apiVersion, {
          metadata: gatewayMetadata,
          spec: {
            selector,
            servers: [{ port: { number: this.gatewayPort, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
          },
        });
        this.route = VIRTUAL_SERVICE.create(this, 'VirtualService', apiVersion, {
          metadata: routeMetadata,
          spec: {
            hosts: ['*'],
            gateways: [GATEWAY_NAME],
            http: [{
              match: INGRESS_PATHS.map(([match, path]) => ({ uri: match === PathMatch.EXACT ? { exact: path } : { prefix: path } })),
              route: [{ destination: { host: BookinfoService.PRODUCTPAGE, port: { number: BOOKINFO_PORT } } }],
            }],
          },
        });
        return;
      }

      const apiVersion = release.gatewayApiVersion('BookinfoIngress.kind');
      this.gatewayPort = GATEWAY_API_LISTENER_PORT;
      this.gateway = GATEWAY_API_GATEWAY.create(this, 'Gateway', apiVersion, {
        metadata: gatewayMetadata,
        spec: {
          gatewayClassName: ISTIO_GATEWAY_CLASS,
          listeners: [{
            name: 'http',
            port: this.gatewayPort,
            protocol: 'HTTP',
            allowedRoutes: { namespaces: { from: gatewayApi.GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } },
          }],
        },
      });
      this.route = HTTP_ROUTE.create(this, 'HTTPRoute', apiVersion, {
        metadata: routeMetadata,
        spec: {
          parentRefs: [{ name: GATEWAY_NAME }],
          rules: [{
            matches: INGRESS_PATHS.map(([match, path]) => ({
              path: {
                type: match === PathMatch.EXACT ? gatewayApi.HttpRouteSpecRulesMatchesPathType.EXACT : gatewayApi.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX,
                value: path,
              },
            })),
            backendRefs: [{ name: BookinfoService.PRODUCTPAGE, port: BOOKINFO_PORT }],
          }],
        },
      });
    } catch (error) {
      throw locatedIn(error, 'BookinfoIngress', this);
    }
  }
}
