// The names ambient mode reads, in one place for the constructs, the analysis and verify.sh (pkg/config/constants of
// istio/istio 1.22.0; istio/api's label and annotation packages later).

/** The namespace (or pod) label that enrolls pods in the ambient data plane. */
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
/** The label (of a namespace, Service or pod) that names the waypoint serving its traffic. */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
/** The GatewayClass istiod deploys waypoints for. */
export const WAYPOINT_CLASS = 'istio-waypoint';
