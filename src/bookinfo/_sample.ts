import { BookinfoService } from './bookinfo-service';

/**
 * What Istio's Bookinfo sample is made of, as its 1.30.3 manifests define it (samples/bookinfo in istio/istio).
 * The constructs of this folder render these facts; nothing else in them names a Bookinfo service, version or path.
 */

/** The port every Bookinfo service listens on and every Service exposes. */
export const BOOKINFO_PORT = 9080;

/** The page a browser opens through the ingress. */
export const PRODUCT_PAGE_PATH = '/productpage';

/** Name of the ingress Gateway, in both the Istio and the Kubernetes Gateway API flavour. */
export const GATEWAY_NAME = 'bookinfo-gateway';

/** Name of the VirtualService or HTTPRoute that sends ingress traffic to productpage. */
export const INGRESS_ROUTE_NAME = 'bookinfo';

/** The GatewayClass of Istio's own Gateway API implementation. */
export const ISTIO_GATEWAY_CLASS = 'istio';

/** An emptyDir volume mounted into the service's container. */
export interface SampleMount {
  readonly volume: string;
  readonly mountPath: string;
}

/** One Bookinfo microservice. */
export interface SampleService {
  readonly name: BookinfoService;
  /** Versions the sample deploys, each its own Deployment `<name>-<version>`. */
  readonly versions: readonly string[];
  /** DestinationRule subsets of destination-rule-all.yaml; they include versions from other sample files (ratings v2, MySQL). */
  readonly subsets: readonly string[];
  readonly env: ReadonlyArray<readonly [name: string, value: string]>;
  /** emptyDir volumes in the order the pod spec lists them, which is not the order of the mounts. */
  readonly emptyDirs: readonly string[];
  readonly mounts: readonly SampleMount[];
  readonly podAnnotations: Readonly<Record<string, string>>;
}

const NO_STORAGE = { env: [], emptyDirs: [], mounts: [], podAnnotations: {} } as const;

/** The services in the order bookinfo.yaml defines them. */
export const SAMPLE_SERVICES: readonly SampleService[] = [
  { name: BookinfoService.DETAILS, versions: ['v1'], subsets: ['v1', 'v2'], ...NO_STORAGE },
  { name: BookinfoService.RATINGS, versions: ['v1'], subsets: ['v1', 'v2', 'v2-mysql', 'v2-mysql-vm'], ...NO_STORAGE },
  {
    name: BookinfoService.REVIEWS,
    versions: ['v1', 'v2', 'v3'],
    subsets: ['v1', 'v2', 'v3'],
    // The Liberty server writes its logs (LOG_DIR) and its server output into these emptyDirs.
    env: [['LOG_DIR', '/tmp/logs']],
    emptyDirs: ['wlp-output', 'tmp'],
    mounts: [{ volume: 'tmp', mountPath: '/tmp' }, { volume: 'wlp-output', mountPath: '/opt/ibm/wlp/output' }],
    podAnnotations: {},
  },
  {
    name: BookinfoService.PRODUCTPAGE,
    versions: ['v1'],
    subsets: ['v1'],
    env: [],
    emptyDirs: ['tmp'],
    mounts: [{ volume: 'tmp', mountPath: '/tmp' }],
    podAnnotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9080', 'prometheus.io/path': '/metrics' },
  },
];

/** Looks up a service of the sample by name. */
export function sampleService(name: BookinfoService): SampleService {
  const service = SAMPLE_SERVICES.find((candidate) => candidate.name === name);
  if (!service) throw new Error(`Bookinfo has no service "${name}"`);
  return service;
}

/** How an ingress path is matched. */
export enum PathMatch {
  EXACT = 'exact',
  PREFIX = 'prefix',
}

/** The paths the ingress forwards to productpage: the page, its static assets, login/logout and the JSON API. */
export const INGRESS_PATHS: ReadonlyArray<readonly [PathMatch, string]> = [
  [PathMatch.EXACT, PRODUCT_PAGE_PATH],
  [PathMatch.PREFIX, '/static'],
  [PathMatch.EXACT, '/login'],
  [PathMatch.EXACT, '/logout'],
  [PathMatch.PREFIX, '/api/v1/products'],
];

/** The header productpage sets from the signed-in user, which the reviews-test-v2 scenario matches on. */
export const END_USER_HEADER = 'end-user';
