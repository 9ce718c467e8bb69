import { jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { loadAll } from 'js-yaml';
import { ShopChart } from '../examples/composition/compose';
import { AccessToken, Bookinfo, IstioRelease, CaCertificate, LightstepCaCertSecret, LightstepTracing, MeshAnalysis, MeshNamespace } from '../src';
import { ManifestSet } from '../src/analysis/manifest-set';
import { ConfigurationError } from '../src/configuration-error';
import { expectSchemaValid } from './support/schemas';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const certificate = CaCertificate.fromFile(path.join(REPO, 'examples/certs/example-ca.crt'));

// Synthesis prints the library's warnings (e.g. about the example CA); these tests read findings instead.
const printWarning = console.warn;
beforeAll(() => { console.warn = () => undefined; });
afterAll(() => { console.warn = printWarning; });

let outdir: string;
beforeEach(() => { outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'composition-')); });
afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

function synthesized(app: App): any[] {
  app.synth();
  return fs.readdirSync(app.outdir).sort().flatMap((file) => loadAll(fs.readFileSync(path.join(app.outdir, file), 'utf8')) as any[]);
}

function named(objects: any[], kind: string, namespace: string, name?: string): any[] {
  return objects.filter((o) => o.kind === kind && o.metadata.namespace === namespace && (name === undefined || o.metadata.name === name));
}

function secretVolumes(deployment: any): string[] {
  return (deployment.spec.template.spec.volumes ?? []).map((volume: any) => volume.secret?.secretName);
}

describe('composition in a user chart', () => {
  test('synthesizes cdk8s-plus Deployments that read the CA Secret, Bookinfo and tracing, every object schema-valid', () => {
    const app = new App({ outdir });
    const shop = new ShopChart(app, 'shop', { certificate });
    const objects = synthesized(app);
    expectSchemaValid(objects);

    expect(named(objects, 'Secret', 'shop', LightstepCaCertSecret.NAME)).toHaveLength(1);
    const [api, worker] = named(objects, 'Deployment', 'shop');
    expect(api.metadata.name).toBe(shop.api.name);
    expect(secretVolumes(api)).toEqual([LightstepCaCertSecret.NAME]);
    expect(secretVolumes(worker)).toEqual([LightstepCaCertSecret.NAME]);
    expect(worker.spec.template.spec.containers[0].env).toContainEqual({ name: 'LIGHTSTEP_CA_SECRET', value: LightstepCaCertSecret.NAME });

    // Bookinfo in its own namespace, created before what lives in it, with the Secret its sidecars mount.
    const bookinfoNamespace = objects.findIndex((o) => o.kind === 'Namespace' && o.metadata.name === 'bookinfo');
    expect(bookinfoNamespace).toBeGreaterThan(-1);
    expect(objects.findIndex((o) => o.metadata.namespace === 'bookinfo')).toBeGreaterThan(bookinfoNamespace);
    expect(named(objects, 'Deployment', 'bookinfo').map((d) => d.metadata.name)).toEqual(shop.bookinfo.deploymentNames);
    expect(named(objects, 'Secret', 'bookinfo', LightstepCaCertSecret.NAME)).toHaveLength(1);
    expect(shop.tracing.release.toString()).toBe('1.14.6');
    expect(shop.tracing.installInputs.length).toBeGreaterThan(0);
    expect(MeshAnalysis.of(shop).analyze()).toEqual([]);
  });

  test('the tracing construct follows the chosen release: the collector path on current Istio', () => {
    const app = new App({ outdir });
    const shop = new ShopChart(app, 'shop', { certificate, istioRelease: IstioRelease.of('1.30') });
    const objects = synthesized(app);
    expectSchemaValid(objects);
    expect(shop.tracing.collector).toBeDefined();
    expect(objects.some((o) => o.kind === 'Telemetry' && o.metadata.namespace === 'istio-system')).toBe(true);
  });

  test('the analysis fails the synth when a composed Deployment mounts the Secret where it does not exist', () => {
    const app = new App({ outdir });
    const shop = new ShopChart(app, 'shop', { certificate });
    const other = new Chart(app, 'other');
    new MeshNamespace(other, 'ns', { name: 'reports', sidecarInjection: false });
    const reports = new kplus.Deployment(other, 'reports', { metadata: { namespace: 'reports' }, replicas: 1 });
    reports.addContainer({ image: 'registry.example.com/shop/reports:1.0.0', volumeMounts: [{ path: '/ca', volume: shop.caSecret.volume() }] });
    expect(() => app.synth()).toThrow(/Deployment reports\/\S+: spec\.template\.spec\.volumes\[0\] mounts Secret lightstep\.cacert, which this output creates in other namespaces but not in reports/);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test('the analysis fails the synth when a composed namespace is injected but has no CA Secret', () => {
    const app = new App({ outdir });
    const shop = new ShopChart(app, 'shop', { certificate });
    new MeshNamespace(shop, 'Extra', { name: 'payments' });
    expect(() => app.synthYaml()).toThrow(/Secret payments\/lightstep\.cacert is missing/);
  });

  test('each synth analyzes the tree as it is then, even twice in one go', () => {
    const app = new App({ outdir });
    const shop = new ShopChart(app, 'shop', { certificate });
    expect(() => app.synthYaml()).not.toThrow();
    new kplus.Deployment(shop, 'late', { metadata: { namespace: 'elsewhere' }, replicas: 1 })
      .addContainer({ image: 'registry.example.com/late:1', volumeMounts: [{ path: '/ca', volume: shop.caSecret.volume() }] });
    expect(() => app.synthYaml()).toThrow(/not in elsewhere/);
  });
});

/** Every ordering of `items`. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

/** Objects of one synthYaml, in output order. */
function yamlObjects(app: App): any[] {
  return (loadAll(app.synthYaml()) as any[]).filter((o) => o != null);
}

describe('composition in any order', () => {
  // The README's chart, one step per construct: the tracing construct puts the CA Secret into shop, Bookinfo
  // creates Namespace shop, a user Secret and Deployment live in payments, a user MeshNamespace creates payments.
  type Step = [string, (chart: Chart) => void];
  const steps: Step[] = [
    ['tracing', (chart) => new LightstepTracing(chart, 'tracing', {
      istioRelease: IstioRelease.of('1.9.3'), address: 'lightstep-satellite.lightstep:9292', caCertificate: certificate,
      accessToken: AccessToken.fromEnv('LIGHTSTEP_ACCESS_TOKEN'), applicationNamespaces: ['shop'],
    })],
    ['bookinfo', (chart) => new Bookinfo(chart, 'bookinfo', { namespace: 'shop', istioRelease: IstioRelease.of('1.9.3') })],
    ['payments namespace', (chart) => new MeshNamespace(chart, 'payments-ns', { name: 'payments', sidecarInjection: false })],
    ['payments', (chart) => {
      const secret = LightstepCaCertSecret.of(chart, 'ca', { namespace: 'payments', certificate });
      const deployment = new kplus.Deployment(chart, 'payments', { metadata: { namespace: 'payments' }, containers: [{ image: 'example/payments:1.0', portNumber: 8080 }] });
      secret.mountInto(deployment.containers[0]);
    }],
  ];

  test.each(permutations(steps).map((order) => [order.map(([name]) => name).join(', '), order] as const))('%s: every Namespace before what lives in it', (_name, order) => {
    const app = new App({ outdir });
    const chart = new Chart(app, 'platform');
    for (const [, add] of order) add(chart);
    expect(MeshAnalysis.of(chart).analyze()).toEqual([]); // before any synth, too
    const objects = yamlObjects(app);
    for (const namespace of ['shop', 'payments']) {
      const created = objects.findIndex((o) => o.kind === 'Namespace' && o.metadata.name === namespace);
      expect(created).toBeGreaterThan(-1);
      expect(objects.findIndex((o) => o.metadata.namespace === namespace)).toBeGreaterThan(created);
    }
    expect(named(objects, 'Secret', 'shop', LightstepCaCertSecret.NAME)).toHaveLength(1);
    expect(named(objects, 'Secret', 'payments', LightstepCaCertSecret.NAME)).toHaveLength(1);
  });

  test('across charts the analysis still names both charts and the fix', () => {
    const app = new App({ outdir });
    new Bookinfo(new Chart(app, 'apps'), 'bookinfo', { namespace: 'shop', createNamespace: false });
    new MeshNamespace(new Chart(app, 'namespaces'), 'shop', { name: 'shop' });
    expect(() => app.synthYaml()).toThrow(/Service shop\/details, ServiceAccount shop\/bookinfo-details, Deployment shop\/details-v1 and 13 more \(chart apps, file apps\.k8s\.yaml\): are applied before Namespace shop: .*Fix: add the chart dependency apps\.addDependency\(namespaces\)/);
  });
});

describe('the same object asked for twice', () => {
  const otherCertificate = CaCertificate.fromFile(path.join(REPO, 'test/fixtures/certs/valid-ca.pem'));
  const tracingFor = (chart: Chart, caCertificate = certificate) => new LightstepTracing(chart, 'tracing', {
    istioRelease: IstioRelease.of('1.9.3'), address: 'lightstep-satellite.lightstep:9292', caCertificate, applicationNamespaces: ['shop'],
  });

  test('the tracing construct reuses the CA Secret the app has for the namespace: one object, whichever comes first', () => {
    for (const secretFirst of [true, false]) {
      const app = new App({ outdir });
      const chart = new Chart(app, 'platform');
      new Bookinfo(chart, 'bookinfo', { namespace: 'shop', istioRelease: IstioRelease.of('1.9.3') });
      const mine = () => LightstepCaCertSecret.of(chart, 'ca', { namespace: 'shop', certificate });
      const first = secretFirst ? mine() : undefined;
      const tracing = tracingFor(chart);
      const second = secretFirst ? undefined : mine();
      expect(tracing.secrets).toContain(first ?? second);
      expect(named(yamlObjects(app), 'Secret', 'shop', LightstepCaCertSecret.NAME)).toHaveLength(1);
    }
  });

  test('another certificate for the same Secret fails at once, naming both constructs', () => {
    const chart = new Chart(new App({ outdir }), 'platform');
    LightstepCaCertSecret.of(chart, 'ca', { namespace: 'shop', certificate: otherCertificate });
    const error = (() => { try { tracingFor(chart); } catch (e) { return e; } return undefined; })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/^LightstepCaCertSecret at platform\/tracing\/CaCertSecret-shop: LightstepCaCertSecret\.certificate: Secret shop\/lightstep\.cacert exists already \(platform\/ca\) with another certificate .*Fix: /);
  });

  test('another key for the same Secret fails at once, naming both constructs; the same one returns the first', () => {
    const chart = new Chart(new App({ outdir }), 'platform');
    const first = LightstepCaCertSecret.of(chart, 'ca', { namespace: 'shop', certificate });
    expect(LightstepCaCertSecret.of(new Chart(chart.node.scope as App, 'other'), 'ca', { namespace: 'shop', certificate: CaCertificate.fromPem(certificate.pem) })).toBe(first);
    expect(() => LightstepCaCertSecret.of(chart, 'again', { namespace: 'shop', certificate, key: 'ca.crt' }))
      .toThrow(/^LightstepCaCertSecret at platform\/again: LightstepCaCertSecret\.key: Secret shop\/lightstep\.cacert exists already \(platform\/ca\) with key "cacert\.pem" .*Fix: /);
  });

    test('a Namespace both the user and Bookinfo create fails the synth, naming both and createNamespace', () => {
    const app = new App({ outdir });
    const chart = new Chart(app, 'platform');
    new MeshNamespace(chart, 'shop', { name: 'shop' });
    new Bookinfo(chart, 'bookinfo', { namespace: 'shop' });
    expect(() => app.synthYaml()).toThrow(/Namespace shop: is written 2 times, by platform\/bookinfo\/Namespace\/Resource and by platform\/shop\/Resource; .*Fix: .*createNamespace: false/);
  });

    test('two Secrets created with new fail the synth, naming both construct paths, and nothing is written', () => {
    const app = new App({ outdir });
    const chart = new Chart(app, 'platform');
    new MeshNamespace(chart, 'ns', { name: 'shop', sidecarInjection: false });
    new LightstepCaCertSecret(chart, 'one', { namespace: 'shop', certificate });
    new LightstepCaCertSecret(new Chart(app, 'zz-other'), 'two', { namespace: 'shop', certificate: otherCertificate });
    expect(() => app.synth()).toThrow(/Secret shop\/lightstep\.cacert: is written 2 times, by platform\/one\/Resource and by zz-other\/two\/Resource; .*Fix: /);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});

describe('the analysis inside cdk8s synthesis', () => {
  test('runs once per synthYaml, at most twice per synth, again after a change, and prints nothing', () => {
    const app = new App({ outdir });
    const shop = new ShopChart(app, 'shop', { certificate });
    new Chart(app, 'more');
    // Each analysis reads the tree's objects once, in the order they will be written.
    const analyze = jest.spyOn(ManifestSet, 'fromTree');
    const warn = jest.spyOn(console, 'warn');
    try {
      app.synthYaml();
      expect(analyze).toHaveBeenCalledTimes(1);
      app.synthYaml();
      expect(analyze).toHaveBeenCalledTimes(1); // same tree in the same job
      new MeshNamespace(shop, 'late', { name: 'late', sidecarInjection: false });
      app.synth();
      // cdk8s resolves cross-chart dependencies between its first validation and the per-chart ones.
      expect(analyze.mock.calls.length).toBeGreaterThanOrEqual(2);
      expect(analyze.mock.calls.length).toBeLessThanOrEqual(3);
      // The warnings of the same synth come from the same analysis.
      const calls = analyze.mock.calls.length;
      MeshAnalysis.of(app).warnings();
      expect(analyze).toHaveBeenCalledTimes(calls);
    } finally {
      analyze.mockRestore();
      warn.mockRestore();
    }
  });

  test('records warnings for the app to show, and prints none itself', () => {
    const app = new App({ outdir });
    new Bookinfo(new Chart(app, 'psa'), 'bookinfo', { namespace: 'psa', restrictedPodSecurity: true });
    const warn = jest.spyOn(console, 'warn');
    try {
      app.synthYaml();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
    expect(MeshAnalysis.of(app).warnings()).toEqual([expect.stringMatching(/^Bookinfo\.restrictedPodSecurity: .*CNI/)]);
  });

  test('leaves the App as it is', () => {
    const app = new App({ outdir });
    const own = Object.getOwnPropertyNames(app).sort();
    new ShopChart(app, 'shop', { certificate });
    app.synthYaml();
    expect(Object.getOwnPropertyNames(app).sort()).toEqual(own);
    expect(app.synth).toBe(App.prototype.synth);
    expect(app.synthYaml).toBe(App.prototype.synthYaml);
  });
});

describe('errors of construct props', () => {
  test('name the construct and its path first, as the README shows', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8').replace(/\s*\n\s*/g, ' ');
    const chart = new Chart(new App({ outdir }), 'platform');
    const error = (() => { try { new Bookinfo(chart, 'bookinfo', { replicas: 0 }); } catch (e) { return e as Error; } return undefined; })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(readme).toContain(`e.g. \`${error!.message}\``);
  });
});

describe('importing the library', () => {
  // A fresh process, so that the import is the first one and any file read or output at import time is seen.
  test('reads no file but its own modules, prints nothing and writes nothing', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'import-'));
    try {
      const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(REPO, 'scripts/import-probe.cjs'), path.join(REPO, 'src/index.ts')],
        { cwd, encoding: 'utf8', env: { ...process.env, TSX_DISABLE_CACHE: '1', NODE_OPTIONS: '', NODE_PATH: path.join(REPO, 'node_modules') } });
      expect(result.stderr).toBe('');
      const report = JSON.parse(result.stdout);
      expect(report.exports).toBeGreaterThan(10);
      expect(report.foreign).toEqual([]);
      expect(report.printed).toEqual([]);
      expect(report.wrote).toBe(false);
      expect(fs.readdirSync(cwd)).toEqual([]);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
