import { GatewayApiChannel, IstioRelease, releaseProp } from '../istio-release';

const REPOSITORY = 'github.com/kubernetes-sigs/gateway-api';
const HTTP_ROUTE_CRD = 'httproutes.gateway.networking.k8s.io';

/**
 * The Kubernetes Gateway API CRDs that Gateway API objects written for an Istio release need on the cluster: the
 * gateway-api release that Istio release builds against, in the channel that defines every field the objects use.
 * Plain data for install notes: where to install the CRDs from, and how to tell that a cluster has them.
 */
export class GatewayApiCrds {
  /**
   * The CRDs for the Gateway API objects of `istioRelease`: the standard channel, unless `meshRoutes` (HTTPRoutes
   * whose parent is a Service port) need a field that only the experimental channel of that gateway-api release has.
   * @param istioRelease the Istio release the objects are written for (1.16 or later)
   * @param meshRoutes whether HTTPRoutes with a Service parent are among the objects
   * @param field the prop or configuration key that chose the Gateway API, named in errors
   */
  public static forRelease(istioRelease: IstioRelease, meshRoutes: boolean, field = 'istioRelease'): GatewayApiCrds {
    const release = releaseProp(istioRelease, field);
    release.gatewayApiVersion(field);
    const meshChannel = release.gatewayApiMeshRouteChannel!;
    const channel = meshRoutes ? meshChannel : GatewayApiChannel.STANDARD;
    const reason = meshRoutes && meshChannel === GatewayApiChannel.EXPERIMENTAL
      ? `the mesh routes set parentRefs[].port, which the standard channel of ${release.gatewayApiCrdVersion} lacks`
      : 'it has every field these objects use';
    return new GatewayApiCrds(release.gatewayApiCrdVersion!, channel, reason);
  }

  private constructor(
    /** The kubernetes-sigs/gateway-api release, e.g. "v1.5.1". */
    public readonly version: string,
    /** The channel to install. */
    public readonly channel: GatewayApiChannel,
    /** Why this channel, as a phrase for install notes. */
    public readonly reason: string,
  ) {}

  /**
   * What `kubectl kustomize` installs the CRDs from, e.g. "github.com/kubernetes-sigs/gateway-api/config/crd?ref=v1.5.1":
   * `config/crd` (whose kustomization lists the standard channel) or `config/crd/experimental`, at the release tag.
   */
  public get kustomizeUrl(): string {
    const folder = this.channel === GatewayApiChannel.STANDARD ? 'config/crd' : 'config/crd/experimental';
    return `${REPOSITORY}/${folder}?ref=${this.version}`;
  }

  /**
   * A shell command that succeeds when the cluster already has CRDs this channel covers.
   *
   * For the standard channel any Gateway API CRDs do; for the experimental one, an HTTPRoute CRD that gateway-api
   * annotates as experimental.
   */
  public get presentCheck(): string {
    if (this.channel === GatewayApiChannel.STANDARD) return 'kubectl get crd gateways.gateway.networking.k8s.io >/dev/null 2>&1';
    return `[ "$(kubectl get crd ${HTTP_ROUTE_CRD} -o jsonpath='{.metadata.annotations.gateway\\.networking\\.k8s\\.io/channel}' 2>/dev/null)" = experimental ]`;
  }
}
