import { ConfigurationError } from '../configuration-error';
import { BookinfoRoutingScenario } from './bookinfo-routing-scenario';
import { END_USER_HEADER, sampleService } from './_sample';
import { BookinfoService } from './bookinfo-service';

/** One destination of a rule; a weight only when traffic is split. */
export interface RouteTarget {
  readonly version: string;
  readonly weight?: number;
}

/** A rule: requests carrying the header value (or every request) go to the targets. */
export interface RouteRule {
  readonly header?: { readonly name: string; readonly exactValue: string };
  readonly targets: readonly RouteTarget[];
}

/** The rules for requests to one service, rendered as a VirtualService or an HTTPRoute of the same name. */
export interface ServiceRoute {
  readonly service: BookinfoService;
  readonly rules: readonly RouteRule[];
}

const toV1 = (service: BookinfoService): ServiceRoute => ({ service, rules: [{ targets: [{ version: 'v1' }] }] });

/**
 * Each scenario once, independent of the API that carries it, so the Istio and the Gateway API renderings cannot
 * drift apart. Services appear in the order of the upstream virtual-service files.
 */
export const SCENARIO_ROUTES: Readonly<Record<BookinfoRoutingScenario, readonly ServiceRoute[]>> = {
  [BookinfoRoutingScenario.NONE]: [],
  [BookinfoRoutingScenario.ALL_V1]: [BookinfoService.PRODUCTPAGE, BookinfoService.REVIEWS, BookinfoService.RATINGS, BookinfoService.DETAILS].map(toV1),
  [BookinfoRoutingScenario.REVIEWS_TEST_V2]: [{
    service: BookinfoService.REVIEWS,
    rules: [
      { header: { name: END_USER_HEADER, exactValue: 'jason' }, targets: [{ version: 'v2' }] },
      { targets: [{ version: 'v1' }] },
    ],
  }],
  [BookinfoRoutingScenario.REVIEWS_50_V3]: [{
    service: BookinfoService.REVIEWS,
    rules: [{ targets: [{ version: 'v1', weight: 50 }, { version: 'v3', weight: 50 }] }],
  }],
  [BookinfoRoutingScenario.REVIEWS_V3]: [{ service: BookinfoService.REVIEWS, rules: [{ targets: [{ version: 'v3' }] }] }],
};

/** Every service version a scenario sends traffic to, as `[service, version]` pairs without repeats. */
export function routedVersions(scenario: BookinfoRoutingScenario): Array<[service: BookinfoService, version: string]> {
  const pairs = SCENARIO_ROUTES[scenario].flatMap((route) =>
    route.rules.flatMap((rule) => rule.targets.map((target): [BookinfoService, string] => [route.service, target.version])));
  return pairs.filter(([service, version], index) =>
    pairs.findIndex(([s, v]) => s === service && v === version) === index);
}

/**
 * Throws when a scenario sends traffic to a version that is not deployed: the route would answer 503 (Istio) or
 * point at a Service without endpoints (Gateway API), which no schema check notices. Only reviews has versions to
 * choose from; the other services always run every version the sample ships.
 */
export function assertRoutedVersionsDeployed(scenario: BookinfoRoutingScenario, reviewsVersions: readonly string[],
  scenarioField: string, versionsField: string): void {
  for (const [service, version] of routedVersions(scenario)) {
    const versions = service === BookinfoService.REVIEWS ? reviewsVersions : sampleService(service).versions;
    if (!versions.includes(version)) {
      throw new ConfigurationError(scenarioField, scenario,
        `routing "${scenario}" sends traffic to ${service} ${version}, which is not deployed (${versionsField}: ${versions.join(', ')})`,
        `add "${version}" to ${versionsField}, or choose a routing scenario that uses only deployed versions`);
    }
  }
}
