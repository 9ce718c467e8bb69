/**
 * The apps the benchmark synthesizes: the default configuration through the library, the same objects as
 * plain ApiObjects in one chart, and the library composed for N application namespaces.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { Bookinfo, CaCertificate, IstioRelease, LightstepTracing, MeshNamespace } from '../src';
import * as fs from 'node:fs';
import { parseAppConfig } from '../charts/app-config';
import { buildLightstepBookinfoApp } from '../charts/lightstep-bookinfo-app';

/** The CA the default configuration names, relative to the repository root (the working directory). */
export const EXAMPLE_CA_FILE = 'examples/certs/example-ca.crt';

/** Istio release of the scaling runs: the newest with the native tracer, whose sidecars mount lightstep.cacert in every namespace. */
export const SCALING_RELEASE = IstioRelease.of('1.14');

/** Builds the app of the repository's lightstep.yaml, as `npm run synth` does, without writing files. */
export function defaultApp(): App {
  const app = new App({ outdir: '/nonexistent' });
  buildLightstepBookinfoApp(app, parseAppConfig(fs.readFileSync('lightstep.yaml', 'utf8'), 'lightstep.yaml', '.'));
  return app;
}

/** The objects the default configuration synthesizes, in output order. */
export function defaultObjects(): any[] {
  const app = defaultApp();
  return app.charts.flatMap((chart) => chart.toJson());
}

/** The objects of the repository's lightstep.yaml, chart by chart (chart id: objects), in output order. */
export function defaultCharts(): Record<string, any[]> {
  return Object.fromEntries(defaultApp().charts.map((chart) => [chart.node.id, chart.toJson()]));
}

/** The same objects with no library: plain ApiObjects in one chart, nothing computed. */
export function baselineApp(objects: readonly any[]): App {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'plain');
  objects.forEach((object, index) => new ApiObject(chart, `o${index}`, object));
  return app;
}

/**
 * N application namespaces, each with its lightstep.cacert Secret and a Bookinfo, in three charts as the
 * product app builds them: Namespaces, tracing, then every Bookinfo.
 */
export function scaledApp(n: number, certificate: CaCertificate, options: { chartDependencies?: boolean } = {}): App {
  const dependencies = options.chartDependencies ?? false;
  const app = new App({ outdir: '/nonexistent' });
  const namespaces = Array.from({ length: n }, (_, i) => `app-${String(i).padStart(4, '0')}`);
  // Chart ids as charts/ gives them: without chart dependencies, the file names alone put them in apply order.
  const namespacesChart = new Chart(app, '0000-namespaces');
  for (const name of namespaces) new MeshNamespace(namespacesChart, name, { name });
  const tracingChart = new Chart(app, '0001-lightstep');
  if (dependencies) tracingChart.addDependency(namespacesChart);
  new LightstepTracing(tracingChart, 'tracing', {
    istioRelease: SCALING_RELEASE,
    address: 'lightstep-satellite.lightstep:9292',
    caCertificate: certificate,
    applicationNamespaces: namespaces,
  });
  const bookinfoChart = new Chart(app, '0002-bookinfo');
  if (dependencies) bookinfoChart.addDependency(tracingChart);
  for (const namespace of namespaces) {
    new Bookinfo(bookinfoChart, namespace, { namespace, createNamespace: false, istioRelease: SCALING_RELEASE });
  }
  return app;
}
