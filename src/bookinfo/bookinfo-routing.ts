import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as gatewayApi from '../../imports/gateway.networking.k8s.io';
import * as istio from '../../imports/networking.istio.io';
import { IstioRelease } from '../istio-release';
import { releaseOrFollowed } from './_release';
import { DESTINATION_RULE, HTTP_ROUTE, VIRTUAL_SERVICE } from './_api-kinds';
import { assertRoutedVersionsDeployed, RouteRule, routedVersions, SCENARIO_ROUTES } from './_routes';
import { BOOKINFO_PORT, SAMPLE_SERVICES, sampleService } from './_sample';
import { validateDnsLabel, validateEnumValue, validateVersions } from './_validation';
import { BookinfoRoutingScenario } from './bookinfo-routing-scenario';
import { BookinfoService } from './bookinfo-service';
import { locatedIn } from '../configuration-error';

/** Props of a BookinfoRouting. */
export interface BookinfoRoutingProps {
  /** Namespace Bookinfo runs in. */
  readonly namespace: string;
  /**
   * Which request-routing scenario to apply.
   * @default BookinfoRoutingScenario.NONE
   */
  readonly scenario?: BookinfoRoutingScenario;
  /**
   * Express the scenario as Gateway API HTTPRoutes to per-version Services instead of Istio VirtualServices to subsets.
   * @default false
   */
  readonly gatewayApi?: boolean;
  /**
   * Require Istio mutual TLS to every Bookinfo service (destination-rule-all-mtls.yaml).
   * @default false
   */
  readonly mutualTls?: boolean;
  /**
   * reviews versions that are deployed. A scenario may route only to these.
   * @default ['v1', 'v2', 'v3']
   */
  readonly reviewsVersions?: string[];
  /**
   * Istio release that decides the apiVersions.
   * @default the release of the LightstepTracing already in the app, else the newest release this library knows
   */
  readonly istioRelease?: IstioRelease;
}

/**
 * Bookinfo's traffic-management scenarios. With Istio networking: the DestinationRules that define one subset per
 * version, and a VirtualService per routed service. With the Gateway API: an HTTPRoute per routed service, attached
 * to its Service, sending traffic to per-version Services (bookinfo-versions.yaml), since HTTPRoutes know no subsets.
 */
export class BookinfoRouting extends Construct {
  /** The scenario applied. */
  public readonly scenario: BookinfoRoutingScenario;
  /** DestinationRules, one per service, in the order of destination-rule-all.yaml; empty when none are needed. */
  public readonly destinationRules: ApiObject[] = [];
  /** VirtualServices or HTTPRoutes of the scenario. */
  public readonly routes: ApiObject[] = [];
  /** Per-version Services the HTTPRoutes send traffic to. Only those the scenario uses. */
  public readonly versionServices: k8s.KubeService[] = [];

  public constructor(scope: Construct, id: string, props: BookinfoRoutingProps) {
    super(scope, id);
    try {
      const namespace = validateDnsLabel('BookinfoRouting.namespace', props.namespace);
      this.scenario = validateEnumValue('BookinfoRouting.scenario', props.scenario ?? BookinfoRoutingScenario.NONE, BookinfoRoutingScenario);
      const release = releaseOrFollowed(this, props.istioRelease, 'BookinfoRouting.istioRelease').release;
      const reviews = sampleService(BookinfoService.REVIEWS);
      const reviewsVersions = validateVersions('BookinfoRouting.reviewsVersions', props.reviewsVersions ?? [...reviews.versions], reviews.versions);
      assertRoutedVersionsDeployed(this.scenario, reviewsVersions, 'BookinfoRouting.scenario', 'BookinfoRouting.reviewsVersions');
      const gatewayApiRoutes = props.gatewayApi ?? false;
      const mutualTls = props.mutualTls ?? false;
      const routed = this.scenario !== BookinfoRoutingScenario.NONE;

      // Subsets serve only VirtualService routes; mutual TLS needs the DestinationRules whatever carries the routes.
      if ((routed && !gatewayApiRoutes) || mutualTls) {
        this.addDestinationRules(namespace, release.networkingApiVersion, mutualTls);
      }
      if (!routed) return;
      if (gatewayApiRoutes) {
        this.addHttpRoutes(namespace, release.gatewayApiVersion('BookinfoRouting.gatewayApi'));
      } else {
        this.addVirtualServices(namespace, release.networkingApiVersion);
      }
    } catch (error) {
      throw locatedIn(error, 'BookinfoRouting', this);
    }
  }

  private addDestinationRules(namespace: string, apiVersion: string, mutualTls: boolean): void {
    // destination-rule-all.yaml lists the services from the front end inwards.
    for (const service of [...SAMPLE_SERVICES].reverse()) {
      this.destinationRules.push(DESTINATION_RULE.create(this, `DestinationRule-${service.name}`, apiVersion, {
        metadata: { name: service.name, namespace },
        spec: {
          host: service.name,
          trafficPolicy: mutualTls ? { tls: { mode: istio.DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL } } : undefined,
          subsets: service.subsets.map((subset) => ({ name: subset, labels: { version: subset } })),
        },
      }));
    }
  }

  private addVirtualServices(namespace: string, apiVersion: string): void {
    for (const { service, rules } of SCENARIO_ROUTES[this.scenario]) {
      this.routes.push(VIRTUAL_SERVICE.create(this, `VirtualService-${service}`, apiVersion, {
        metadata: { name: service, namespace },
        spec: {
          hosts: [service],
          http: rules.map((rule) => ({
            match: headerMatch(rule, (name, exact) => [{ headers: { [name]: { exact } } }]),
            route: rule.targets.map(({ version, weight }) => ({ destination: { host: service, subset: version }, weight })),
          })),
        },
      }));
    }
  }

  private addHttpRoutes(namespace: string, apiVersion: string): void {
    const routed = routedVersions(this.scenario);
    const versionsInSampleOrder = SAMPLE_SERVICES.flatMap((sample) => sample.versions
      .filter((version) => routed.some(([s, v]) => s === sample.name && v === version))
      .map((version): [string, string] => [sample.name, version]));
    for (const [service, version] of versionsInSampleOrder) {
      this.versionServices.push(new k8s.KubeService(this, `Service-${service}-${version}`, {
        metadata: { name: `${service}-${version}`, namespace },
        spec: { ports: [{ port: BOOKINFO_PORT, name: 'http' }], selector: { app: service, version } },
      }));
    }
    for (const { service, rules } of SCENARIO_ROUTES[this.scenario]) {
      this.routes.push(HTTP_ROUTE.create(this, `HTTPRoute-${service}`, apiVersion, {
        metadata: { name: service, namespace },
        spec: {
          // A Service parent makes this a mesh (GAMMA) route: it applies to every call to the Service, not at a Gateway.
          parentRefs: [{ group: '', kind: 'Service', name: service, port: BOOKINFO_PORT }],
          rules: rules.map((rule) => ({
            matches: headerMatch(rule, (name, value) =>
              [{ headers: [{ type: gatewayApi.HttpRouteSpecRulesMatchesHeadersType.EXACT, name, value }] }]),
            backendRefs: rule.targets.map(({ version, weight }) => ({ name: `${service}-${version}`, port: BOOKINFO_PORT, weight })),
          })),
        },
      }));
    }
  }
}

/** The rule's header condition in the shape of one API, or undefined for a rule that takes every request. */
function headerMatch<T>(rule: RouteRule, render: (name: string, exactValue: string) => T): T | undefined {
  return rule.header ? render(rule.header.name, rule.header.exactValue) : undefined;
}
