import { App, Chart } from 'cdk8s';
import {
  AccessToken, Bookinfo, BookinfoIngressKind, BookinfoRoutingScenario, CaCertificate, DataplaneMode, IstioRelease, LightstepTracing, MeshNamespace, Waypoint,
} from '../src';
import { ConfigurationError } from '../src/configuration-error';
import { AccessTokenConfig, AppConfig } from './app-config';
import { inConfigTerms } from './config-reader';

/** The charts of the app and the constructs the install notes read. */
export interface LightstepBookinfoApp {
  readonly tracing: LightstepTracing;
  /** The CA certificate read from lightstep.caCertificateFile, if any. */
  readonly caCertificate?: CaCertificate;
  readonly bookinfo?: Bookinfo;
  /** Namespaces this app creates, in the order it creates them. */
  readonly namespaces: readonly MeshNamespace[];
  /** The chart that holds only the Namespaces, applied first. */
  readonly namespacesChart: Chart;
}

/**
 * Composes the product for one configuration, in three charts so that one `kubectl apply -f` of the
 * output works on an empty cluster and every pod starts with the Secrets it mounts:
 *   0000-namespaces  the application and collector Namespaces (their labels decide sidecar injection)
 *   0001-lightstep   lightstep.cacert Secrets, the collector, the Telemetry resource
 *   0002-bookinfo    the sample, after the Secrets its sidecars mount
 * Few charts on purpose: cdk8s validates the whole app once per chart, so synth time grows with their number.
 * The order is the charts' creation order, which cdk8s keeps in the file names; no Chart.addDependency, which
 * cdk8s 2.70 expands into one dependency per pair of objects of the two charts (quadratic in the objects).
 *
 * A construct that refuses a value gets the configuration key it came from in its message, through inConfigTerms.
 */
export function buildLightstepBookinfoApp(app: App, config: AppConfig): LightstepBookinfoApp {
  const caFile = config.lightstep.caCertificateFile;
  const caCertificate = caFile === undefined ? undefined
    : withCaPathAsWritten(config, () => CaCertificate.fromFile(caFile, { field: 'lightstep.caCertificateFile' }));

  const namespacesChart = new Chart(app, CHART_IDS.namespaces);
  const namespaces: MeshNamespace[] = [];
  const applicationNamespaces = config.bookinfo.enabled ? [config.bookinfo.namespace] : [];
  const dataplaneMode = config.istio.dataplaneMode as DataplaneMode;
  const ambient = dataplaneMode === DataplaneMode.AMBIENT;

  // The tracing comes first: it refuses what the release or the data plane cannot do (e.g. ambient before 1.22, or
  // with a revision) in the configuration's words, before a namespace is labelled for it.
  const tracingChart = new Chart(app, CHART_IDS.lightstep);
  const tracing = withCaPathAsWritten(config, () => inConfigTerms(TRACING_PROPS, () => new LightstepTracing(tracingChart, 'tracing', {
    istioRelease: IstioRelease.of(config.istio.release),
    address: config.lightstep.address,
    secure: config.lightstep.secure,
    caCertificate,
    accessToken: accessTokenFrom(config.lightstep.accessToken),
    sampling: config.tracing.sampling,
    applicationNamespaces,
    istioNamespace: config.istio.namespace,
    revision: config.istio.revision,
    cacertPath: config.lightstep.cacertPath,
    providerName: config.tracing.providerName,
    // The gateway INSTALL.md installs gets the labels Bookinfo's Gateway selects, on every route.
    ingressGatewayLabels: config.istio.ingressGatewaySelector,
    // The collector namespace goes with the others: the token Secret is created in it before Istio is installed.
    collector: { namespace: config.tracing.collector.namespace, image: config.tracing.collector.image, createNamespace: false },
    dataplaneMode,
    // Bookinfo's namespace enforces "restricted": its injected pods need Istio CNI (which ambient mode installs itself), its
    // Gateway API gateway pod and, in ambient mode, its waypoint a seccomp profile.
    istioCni: config.bookinfo.enabled && config.bookinfo.restrictedPodSecurity && !ambient,
    restrictedGatewayPods: config.bookinfo.enabled && config.bookinfo.restrictedPodSecurity && (config.bookinfo.ingress === 'gateway-api' || ambient),
  })));

  for (const name of applicationNamespaces) {
    namespaces.push(inConfigTerms({ 'MeshNamespace.name': 'bookinfo.namespace', 'MeshNamespace.revision': 'istio.revision', 'MeshNamespace.dataplaneMode': 'istio.dataplaneMode' }, () => new MeshNamespace(namespacesChart, name, {
      name,
      revision: config.istio.revision,
      dataplaneMode,
      waypoint: ambient ? Waypoint.DEFAULT_NAME : undefined,
      podSecurityEnforce: config.bookinfo.restrictedPodSecurity ? 'restricted' : undefined,
    })));
  }

  if (tracing.collector) {
    if (applicationNamespaces.includes(tracing.collector.namespace)) {
      throw new ConfigurationError('tracing.collector.namespace', tracing.collector.namespace,
        'is also bookinfo.namespace: the collector namespace has sidecar injection turned off, the application namespace needs it on',
        'give the collector a namespace of its own, e.g. observability');
    }
    const collectorNamespace = tracing.collector.namespace;
    namespaces.push(inConfigTerms({ 'MeshNamespace.name': 'tracing.collector.namespace' },
      () => new MeshNamespace(namespacesChart, collectorNamespace, { name: collectorNamespace, sidecarInjection: false })));
  }

  let bookinfo: Bookinfo | undefined;
  if (config.bookinfo.enabled) {
    const bookinfoChart = new Chart(app, CHART_IDS.bookinfo);
    bookinfo = inConfigTerms(BOOKINFO_PROPS, () => new Bookinfo(bookinfoChart, 'bookinfo', {
      namespace: config.bookinfo.namespace,
      createNamespace: false,
      istioRelease: IstioRelease.of(config.istio.release),
      ingress: config.bookinfo.ingress as BookinfoIngressKind,
      // The selector only means something to an Istio Gateway; Bookinfo warns when it is given for another ingress.
      ingressGatewaySelector: config.bookinfo.ingress === 'istio-gateway' ? config.istio.ingressGatewaySelector : undefined,
      routing: config.bookinfo.routing as BookinfoRoutingScenario,
      mutualTls: config.bookinfo.mutualTls,
      reviewsVersions: config.bookinfo.reviewsVersions,
      replicas: config.bookinfo.replicas,
      imageRegistry: config.bookinfo.imageRegistry,
      imageTag: config.bookinfo.imageTag,
      restrictedPodSecurity: config.bookinfo.restrictedPodSecurity,
      dataplaneMode,
    }));
  }
  return { tracing, caCertificate, bookinfo, namespaces, namespacesChart };
}

/**
 * Chart ids, which cdk8s uses as file names: numbered so that the files sort in apply order. cdk8s numbers
 * files itself only when charts depend on each other, which this app avoids (see above).
 */
const CHART_IDS = { namespaces: '0000-namespaces', lightstep: '0001-lightstep', bookinfo: '0002-bookinfo' } as const;

/** Configuration keys of every construct prop the app sets, for messages that name props (warnings). */
export function configKeysOfProps(): Readonly<Record<string, string>> {
  return { ...TRACING_PROPS, ...BOOKINFO_PROPS };
}

/** Configuration keys of the LightStepTracing props the app sets. */
const TRACING_PROPS: Readonly<Record<string, string>> = {
  'LightstepTracing.istioRelease': 'istio.release',
  'LightstepTracing.istioNamespace': 'istio.namespace',
  'LightstepTracing.revision': 'istio.revision',
  'LightstepTracing.address': 'lightstep.address',
  'LightstepTracing.secure': 'lightstep.secure',
  'LightstepTracing.caCertificate': 'lightstep.caCertificateFile',
  'LightstepTracing.cacertPath': 'lightstep.cacertPath',
  'LightstepTracing.accessToken': 'lightstep.accessTokenEnv',
  'LightstepTracing.sampling': 'tracing.sampling',
  'LightstepTracing.providerName': 'tracing.providerName',
  'LightstepTracing.ingressGatewayLabels': 'istio.ingressGatewaySelector',
  'LightstepTracing.dataplaneMode': 'istio.dataplaneMode',
  'LightstepTracing.applicationNamespaces': 'bookinfo.namespace',
  'LightstepTracing.collector.namespace': 'tracing.collector.namespace',
  'LightstepTracing.collector.image': 'tracing.collector.image',
  'LightstepTracing.istioCni': 'bookinfo.restrictedPodSecurity',
  'LightstepTracing.restrictedGatewayPods': 'bookinfo.restrictedPodSecurity',
  'LightstepCaCertSecret.namespace': 'bookinfo.namespace',
  'LightstepCaCertSecret.key': 'lightstep.cacertPath',
  'OtelCollector.namespace': 'tracing.collector.namespace',
  'OtelCollector.image': 'tracing.collector.image',
  'AccessToken.fromEnv': 'lightstep.accessTokenEnv',
  'AccessToken.fromSecret.secretName': 'lightstep.accessTokenSecret.name',
  'AccessToken.fromSecret.key': 'lightstep.accessTokenSecret.key',
};

/**
 * Configuration keys of the Bookinfo props the app sets. A prop ending in a dot stands for every prop it
 * starts; a key ending in a dot receives the rest of the prop's name.
 */
const BOOKINFO_PROPS: Readonly<Record<string, string>> = {
  'Bookinfo.istioRelease': 'istio.release',
  'Bookinfo.ingressGatewaySelector': 'istio.ingressGatewaySelector',
  'Bookinfo.dataplaneMode': 'istio.dataplaneMode',
  'Bookinfo.': 'bookinfo.',
  'BookinfoMicroservice.': 'bookinfo.',
  'BookinfoIngress.': 'bookinfo.ingress',
  'BookinfoRouting.': 'bookinfo.routing',
};

/**
 * Runs `build`; a refusal of lightstep.caCertificateFile shows the path as the configuration file gives it,
 * not as resolved against the working directory.
 */
function withCaPathAsWritten<T>(config: AppConfig, build: () => T): T {
  try {
    return build();
  } catch (error) {
    const { caCertificateFile: file, caCertificateFileAsWritten: asWritten } = config.lightstep;
    if (!(error instanceof ConfigurationError) || file === undefined || asWritten === undefined || error.value !== file) throw error;
    throw new ConfigurationError(error.field, asWritten, error.problem, error.fix.split(file).join(asWritten));
  }
}

function accessTokenFrom(token: AccessTokenConfig): AccessToken {
  if (token.secret) return AccessToken.fromSecret(token.secret.name, token.secret.key);
  if (token.literal !== undefined) return AccessToken.fromLiteralUnsafe(token.literal);
  return AccessToken.fromEnv(token.env);
}
