import { ApiObject, GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';
import * as gatewayApi from '../../imports/gateway.networking.k8s.io';
import * as istio from '../../imports/networking.istio.io';

/** An imported L1 class of one kind at one apiVersion. */
interface KindClass<P> {
  readonly GVK: GroupVersionKind;
  new (scope: Construct, id: string, props: P): ApiObject;
}

/**
 * The imported classes of one kind, newest first. The older CRD versions hold every field Bookinfo sets, under
 * enum types of their own that carry the same strings, so the newest version's props describe them all and the
 * older classes are accepted as `KindClass<any>`.
 */
class VersionedKind<P> {
  private readonly classes: ReadonlyArray<KindClass<P>>;

  public constructor(newest: KindClass<P>, ...older: ReadonlyArray<KindClass<any>>) {
    this.classes = [newest, ...older];
  }

  /** Creates the object with the class of `apiVersion`, which the release table chose. */
  public create(scope: Construct, id: string, apiVersion: string, props: P): ApiObject {
    const kindClass = this.classes.find((candidate) => candidate.GVK.apiVersion === apiVersion);
    if (!kindClass) {
      const kind = this.classes[0].GVK.kind;
      throw new Error(`no imported ${kind} class for ${apiVersion}; add that version to the CRD imports in imports/`);
    }
    return new kindClass(scope, id, props);
  }
}

export const ISTIO_GATEWAY = new VersionedKind<istio.GatewayProps>(istio.Gateway, istio.GatewayV1Alpha3);
export const VIRTUAL_SERVICE = new VersionedKind<istio.VirtualServiceProps>(istio.VirtualService, istio.VirtualServiceV1Alpha3);
export const DESTINATION_RULE = new VersionedKind<istio.DestinationRuleProps>(istio.DestinationRule, istio.DestinationRuleV1Alpha3);
export const GATEWAY_API_GATEWAY = new VersionedKind<gatewayApi.GatewayProps>(gatewayApi.Gateway, gatewayApi.GatewayV1Beta1);
export const HTTP_ROUTE = new VersionedKind<gatewayApi.HttpRouteProps>(gatewayApi.HttpRoute, gatewayApi.HttpRouteV1Beta1);
