import * as fs from 'node:fs';
import { App, Chart } from 'cdk8s';
import {
  AccessToken, Bookinfo, BookinfoIngressKind, BookinfoRoutingScenario, CaCertificate, LightstepTracing, MeshNamespace,
} from '../src';
import { ConfigurationError } from '../src/configuration-error';
import { AccessTokenConfig, AppConfig } from './app-config';

/** The charts of the app and the constructs the install notes read. */
export interface LightstepBookinfoApp {
  readonly tracing: LightstepTracing;
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
 */
export function buildLightstepBookinfoApp(app: App, config: AppConfig): LightstepBookinfoApp {
  const caCertificate = config.lightstep.caCertificateFile === undefined ? undefined
    : CaCertificate.fromFile(config.lightstep.caCertificateFile, { field: 'lightstep.caCertificateFile' });

  const namespacesChart = new Chart(app, 'namespaces');
  const namespaces: MeshNamespace[] = [];
  const applicationNamespaces = config.bookinfo.enabled ? [config.bookinfo.namespace] : [];
  for (const name of applicationNamespaces) {
    namespaces.push(new MeshNamespace(namespacesChart, name, {
      name,
      revision: config.istio.revision,
      podSecurityEnforce: config.bookinfo.restrictedPodSecurity ? 'restricted' : undefined,
    }));
  }

  const tracingChart = new Chart(app, 'lightstep');
  tracingChart.addDependency(namespacesChart);
  const tracing = new LightstepTracing(tracingChart, 'tracing', {
    istioRelease: config.istio.release,
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
    // The collector namespace goes with the others: the token Secret is created in it before Istio is installed.
    collector: { namespace: config.tracing.collector.namespace, image: config.tracing.collector.image, createNamespace: false },
  });
  if (tracing.collector) {
    if (applicationNamespaces.includes(tracing.collector.namespace)) {
      throw new ConfigurationError('tracing.collector.namespace', tracing.collector.namespace,
        'is also bookinfo.namespace: the collector namespace has sidecar injection turned off, the application namespace needs it on',
        'give the collector a namespace of its own, e.g. observability');
    }
    namespaces.push(new MeshNamespace(namespacesChart, tracing.collector.namespace, { name: tracing.collector.namespace, sidecarInjection: false }));
  }

  let bookinfo: Bookinfo | undefined;
  if (config.bookinfo.enabled) {
    const bookinfoChart = new Chart(app, 'bookinfo');
    bookinfoChart.addDependency(tracingChart);
    bookinfo = new Bookinfo(bookinfoChart, 'bookinfo', {
      namespace: config.bookinfo.namespace,
      createNamespace: false,
      istioRelease: config.istio.release,
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
    });
  }
  return { tracing, bookinfo, namespaces, namespacesChart };
}

function accessTokenFrom(token: AccessTokenConfig): AccessToken {
  if (token.secret) return AccessToken.fromSecret(token.secret.name, token.secret.key);
  if (token.literal !== undefined) return AccessToken.fromLiteralUnsafe(token.literal);
  return AccessToken.fromEnv(token.env);
}

/** Reads a configuration file's text, with an error that names LIGHTSTEP_CONFIG when it cannot. */
export function readConfigFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigurationError('LIGHTSTEP_CONFIG', file, `cannot read the configuration file: ${reason}`,
      'give the path of a configuration file, relative to the working directory, or unset LIGHTSTEP_CONFIG for the built-in default');
  }
}
