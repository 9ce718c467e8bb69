import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { loadAll } from 'js-yaml';
import { ShopChart } from '../examples/composition/compose';
import { CaCertificate, LIGHTSTEP_CA_CERT_SECRET_NAME, MeshAnalysis, MeshNamespace } from '../src';
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

    expect(named(objects, 'Secret', 'shop', LIGHTSTEP_CA_CERT_SECRET_NAME)).toHaveLength(1);
    const [api, worker] = named(objects, 'Deployment', 'shop');
    expect(api.metadata.name).toBe(shop.api.name);
    expect(secretVolumes(api)).toEqual([LIGHTSTEP_CA_CERT_SECRET_NAME]);
    expect(secretVolumes(worker)).toEqual([LIGHTSTEP_CA_CERT_SECRET_NAME]);
    expect(worker.spec.template.spec.containers[0].env).toContainEqual({ name: 'LIGHTSTEP_CA_SECRET', value: LIGHTSTEP_CA_CERT_SECRET_NAME });

    // Bookinfo in its own namespace, created before what lives in it, with the Secret its sidecars mount.
    const bookinfoNamespace = objects.findIndex((o) => o.kind === 'Namespace' && o.metadata.name === 'bookinfo');
    expect(bookinfoNamespace).toBeGreaterThan(-1);
    expect(objects.findIndex((o) => o.metadata.namespace === 'bookinfo')).toBeGreaterThan(bookinfoNamespace);
    expect(named(objects, 'Deployment', 'bookinfo').map((d) => d.metadata.name)).toEqual(shop.bookinfo.deploymentNames);
    expect(named(objects, 'Secret', 'bookinfo', LIGHTSTEP_CA_CERT_SECRET_NAME)).toHaveLength(1);
    expect(shop.tracing.release.toString()).toBe('1.14');
    expect(shop.tracing.installInputs.length).toBeGreaterThan(0);
    expect(MeshAnalysis.of(shop).analyze()).toEqual([]);
  });

  test('the tracing construct follows the chosen release: the collector path on current Istio', () => {
    const app = new App({ outdir });
    const shop = new ShopChart(app, 'shop', { certificate, istioRelease: '1.30' });
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
    reports.addContainer({ image: 'registry.example.com/shop/reports:1.0.0', volumeMounts: [{ path: '/ca', volume: kplus.Volume.fromSecret(other, 'ca', shop.caSecret) }] });
    expect(() => app.synth()).toThrow(/volume .* mounts Secret lightstep\.cacert, which this output creates in other namespaces but not in reports/);
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
      .addContainer({ image: 'registry.example.com/late:1', volumeMounts: [{ path: '/ca', volume: kplus.Volume.fromSecret(shop, 'late-ca', shop.caSecret) }] });
    expect(() => app.synthYaml()).toThrow(/not in elsewhere/);
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
