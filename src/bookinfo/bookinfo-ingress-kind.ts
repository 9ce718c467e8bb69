/** Which API brings outside traffic to Bookinfo's productpage. */
export enum BookinfoIngressKind {
  /** An Istio Gateway bound to an existing ingress gateway, plus a VirtualService (networking/bookinfo-gateway.yaml). */
  ISTIO_GATEWAY = 'istio-gateway',
  /** A Kubernetes Gateway API Gateway that Istio deploys itself, plus an HTTPRoute (gateway-api/bookinfo-gateway.yaml); Istio 1.16+. */
  GATEWAY_API = 'gateway-api',
  /** No ingress: reach productpage with a port-forward. */
  NONE = 'none',
}
