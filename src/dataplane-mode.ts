/** How the pods of a namespace join the Istio mesh, and so which proxies make their spans. */
export enum DataplaneMode {
  /**
   * An Envoy sidecar in every pod (namespace label `istio-injection` or `istio.io/rev`): each sidecar makes a client
   * and a server span per call.
   */
  SIDECAR = 'sidecar',
  /**
   * Istio's ambient data plane (1.22 and later): no sidecar, ztunnel on each node carries the traffic (and makes no
   * spans), waypoint proxies make the L7 spans (namespace label `istio.io/dataplane-mode: ambient`).
   */
  AMBIENT = 'ambient',
}
