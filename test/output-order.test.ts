import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { loadAll } from 'js-yaml';
import { Bookinfo, MeshAnalysis } from '../src';
import { ManifestSet } from '../src/analysis/manifest-set';

// The namespace-order analysis works on the order in which the output is applied. Its oracles are the files
// cdk8s really writes, read back the two ways users apply them: `kubectl apply -f <dir>` (-R for folders),
// which walks the folder with Go's filepath.Walk, entries in lexical byte order; and `cdk8s synth --stdout`,
// which prints the files cdk8s-cli's own findManifests lists (called here), in that order.

const require = createRequire(import.meta.url);
// The package exports no subpaths; the module is the one `cdk8s synth --stdout` runs.
const findManifests: (dir: string) => Promise<string[]> = require(path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'lib/util.js')).findManifests;

let outdir: string;
beforeEach(() => { outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'order-')); });
afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** Files in the order filepath.Walk meets them: each folder's entries sorted by their bytes, folders entered in place. */
function walkLexical(dir: string): string[] {
  const names = fs.readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return names.flatMap((name) => {
    const full = path.join(dir, name);
    if (fs.statSync(full).isDirectory()) return walkLexical(full);
    return /\.(ya?ml|json)$/.test(name) ? [full] : [];
  });
}

const label = (o: any) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const objectsOf = (files: string[]) => files.flatMap((file) => (loadAll(fs.readFileSync(file, 'utf8')) as any[]).filter((o) => o != null).map(label));

/** Predicted objects (with their files), then the real ones as kubectl and `cdk8s synth --stdout` take them. */
async function predictedAndApplied(app: App) {
  const predicted = ManifestSet.fromTree(app).objects.map((o) => ({ object: label(o.manifest), file: o.file }));
  app.synth();
  const kubectl = walkLexical(app.outdir);
  const stdout = await findManifests(app.outdir);
  return {
    predicted: predicted.map((o) => o.object),
    files: [...new Set(predicted.map((o) => o.file))],
    kubectl: objectsOf(kubectl),
    kubectlFiles: kubectl.map((file) => path.relative(app.outdir, file)),
    stdout: objectsOf(stdout),
  };
}

const configMap = (scope: Construct, id: string, namespace?: string) => new k8s.KubeConfigMap(scope, id, { metadata: { name: id, namespace } });
const namespaceObject = (scope: Construct, id: string, name: string) => new k8s.KubeNamespace(scope, id, { metadata: { name } });

describe('the analysis predicts the order kubectl applies and cdk8s synth --stdout prints', () => {
  const layouts: Array<[string, (app: App) => void]> = [
    ['charts without dependencies, in creation order unlike name order', (app) => {
      for (const id of ['zeta', 'alpha', 'mid-dle', 'mid']) configMap(new Chart(app, id), `cm-${id}`);
    }],
    ['chart dependencies, integer chart ids and a nested chart', (app) => {
      const b = new Chart(app, 'b');
      configMap(b, 'in-b');
      configMap(new Chart(app, '10'), 'in-10');
      const a = new Chart(app, 'a');
      configMap(a, 'in-a');
      configMap(new Chart(a, 'inner'), 'in-inner');
      configMap(new Chart(app, '2'), 'in-2');
      a.addDependency(b);
    }],
    ['a dependency between constructs of two charts, from a construct that nothing depends on', (app) => {
      const first = new Chart(app, 'first');
      const holder = new Construct(first, 'holder');
      configMap(holder, 'in-first');
      const later = new Chart(app, 'later');
      configMap(new Chart(app, 'between'), 'in-between');
      const target = configMap(later, 'in-later');
      holder.node.addDependency(target);
      new Chart(app, 'last').addDependency(first);
    }],
    ['dependencies between L2 constructs inside one chart', (app) => {
      const chart = new Chart(app, 'one');
      const deployment = new kplus.Deployment(chart, 'web', { containers: [{ image: 'web' }] });
      const config = new kplus.ConfigMap(chart, 'config', { data: { a: 'b' } });
      configMap(chart, 'plain');
      deployment.node.addDependency(config);
    }],
  ];

  test.each(layouts)('%s', async (_name, build) => {
    const app = new App({ outdir });
    build(app);
    const { predicted, kubectl, stdout } = await predictedAndApplied(app);
    expect(predicted.length).toBeGreaterThanOrEqual(3);
    expect(kubectl).toEqual(predicted);
    expect(stdout).toEqual(predicted);
  });

  test.each([
    ['one file for the app', YamlOutputType.FILE_PER_APP],
    ['a file per object, two objects with the same file name', YamlOutputType.FILE_PER_RESOURCE],
    ['a folder per chart, a file per object', YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE],
  ])('%s', async (_name, yamlOutputType) => {
    const app = new App({ outdir, yamlOutputType });
    const apps = new Chart(app, 'apps');
    configMap(apps, 'z-settings', 'one');
    configMap(apps, 'settings', 'one');
    const platform = new Chart(app, 'platform');
    namespaceObject(platform, 'ns', 'one');
    configMap(platform, 'settings', 'two');
    apps.addDependency(platform);
    const { predicted, kubectl, stdout } = await predictedAndApplied(app);
    expect(kubectl).toEqual(predicted);
    expect(stdout).toEqual(predicted);
    if (yamlOutputType === YamlOutputType.FILE_PER_RESOURCE) {
      expect(MeshAnalysis.of(app).analyze()).toContainEqual(expect.stringMatching(/^ConfigMap two\/settings \(construct platform\/settings\): is written to ConfigMap\.settings\.k8s\.yaml, which a later object of the same file name replaces, so it never reaches the cluster/));
    }
  });
});

describe('namespaces before what lives in them, in file order', () => {
  /** A chart of the user's, with a ConfigMap and a Deployment in namespace shop, which Bookinfo's chart creates. */
  const mine = (app: App, id: string) => {
    const chart = new Chart(app, id);
    configMap(chart, 'settings', 'shop');
    new kplus.Deployment(chart, 'worker', { metadata: { namespace: 'shop' }, containers: [{ image: 'worker' }] });
    return chart;
  };

  test('"aaa-mine" created after "bookinfo" is applied first: refused, naming the files and the chart dependency to add', () => {
    const app = new App({ outdir });
    new Bookinfo(new Chart(app, 'bookinfo'), 'bookinfo', { namespace: 'shop' });
    mine(app, 'aaa-mine');
    expect(() => app.synth()).toThrow(new RegExp(
      '^Validation failed .*ConfigMap shop/settings, Deployment shop/aaa-mine-worker-\\w+ \\(chart aaa-mine, file aaa-mine\\.k8s\\.yaml\\): are applied before Namespace shop: '
      + 'kubectl apply -f \\(and cdk8s synth --stdout\\) take the files in name order, and bookinfo\\.k8s\\.yaml, where chart bookinfo creates it, comes after aaa-mine\\.k8s\\.yaml\\. '
      + 'Fix: add the chart dependency aaaMine\\.addDependency\\(bookinfo\\) \\(chart aaa-mine depends on chart bookinfo\\), and cdk8s then numbers the files in dependency order '
      + '\\(0000-bookinfo\\.k8s\\.yaml before 0001-aaa-mine\\.k8s\\.yaml\\)', 's'));
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test('with the dependency the fix names, the synth passes and writes the files it named, Namespace shop first', async () => {
    const app = new App({ outdir });
    const bookinfo = new Chart(app, 'bookinfo');
    new Bookinfo(bookinfo, 'bookinfo', { namespace: 'shop' });
    const aaaMine = mine(app, 'aaa-mine');
    aaaMine.addDependency(bookinfo);
    expect(MeshAnalysis.of(app).analyze()).toEqual([]);
    const { kubectl, kubectlFiles } = await predictedAndApplied(app);
    expect(kubectlFiles).toEqual(['0000-bookinfo.k8s.yaml', '0001-aaa-mine.k8s.yaml']);
    expect(kubectl.indexOf('Namespace /shop')).toBe(kubectl.findIndex((o) => o.includes(' shop/') || o === 'Namespace /shop'));
  });

  test('"zzz-mine" created first but written last passes, and kubectl applies Namespace shop before it', async () => {
    const app = new App({ outdir });
    mine(app, 'zzz-mine');
    new Bookinfo(new Chart(app, 'bookinfo'), 'bookinfo', { namespace: 'shop' });
    expect(MeshAnalysis.of(app).analyze()).toEqual([]);
    const { kubectl, stdout, kubectlFiles } = await predictedAndApplied(app);
    expect(kubectlFiles).toEqual(['bookinfo.k8s.yaml', 'zzz-mine.k8s.yaml']);
    for (const applied of [kubectl, stdout]) {
      expect(applied.indexOf('Namespace /shop')).toBe(applied.findIndex((o) => o.includes(' shop/') || o === 'Namespace /shop'));
    }
  });

  test('when the Namespace\'s chart already depends on the other chart, the fix is a chart of its own for the Namespace', () => {
    const app = new App({ outdir });
    const platform = new Chart(app, 'platform');
    namespaceObject(platform, 'ns', 'shop');
    configMap(platform, 'other', 'elsewhere');
    const apps = new Chart(app, 'apps');
    configMap(apps, 'settings', 'shop');
    namespaceObject(apps, 'elsewhere', 'elsewhere');
    platform.addDependency(apps);
    expect(MeshAnalysis.of(app).analyze()).toContainEqual(expect.stringMatching(
      /^ConfigMap shop\/settings \(construct apps\/settings, file 0000-apps\.k8s\.yaml\): is applied before Namespace shop: .*Fix: chart platform already depends on chart apps: create the Namespace in a chart of its own/));
  });

  test('one file for the whole app: chart order inside it, and the same chart dependency as the fix', () => {
    const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_APP });
    configMap(new Chart(app, 'mine'), 'settings', 'shop');
    namespaceObject(new Chart(app, 'namespaces'), 'ns', 'shop');
    expect(MeshAnalysis.of(app).analyze()).toEqual([expect.stringMatching(
      /^ConfigMap shop\/settings \(construct mine\/settings, file app\.k8s\.yaml\): is applied before Namespace shop: chart namespaces creates it later in the same file app\.k8s\.yaml\. Fix: add the chart dependency mine\.addDependency\(namespaces\)/)]);
  });
});

describe('objects in a namespace that nothing in the app creates', () => {
  test('warn once per namespace, naming an object, the namespace and what to do; not for default, the cluster\'s own namespaces or a created one', () => {
    const app = new App({ outdir });
    const chart = new Chart(app, 'mine');
    configMap(chart, 'settings', 'payments');
    new kplus.Deployment(chart, 'worker', { metadata: { namespace: 'payments' }, containers: [{ image: 'worker' }] });
    configMap(chart, 'plain');
    configMap(chart, 'in-default', 'default');
    configMap(chart, 'in-kube-system', 'kube-system');
    namespaceObject(chart, 'ns', 'created');
    configMap(chart, 'in-created', 'created');
    expect(MeshAnalysis.of(app).warnings()).toEqual([
      'ConfigMap payments/settings (construct mine/settings) and 1 more object go to namespace payments, which no construct of this app creates: kubectl apply fails there until it exists. '
      + 'Create it in the app (new MeshNamespace(chart, id, { name: \'payments\' }), in a chart written before theirs), or create it on the cluster before applying',
    ]);
  });

  test('the Istio namespace of a LightstepTracing in the app is Istio\'s to create', async () => {
    const { AccessToken, IstioRelease, LightstepTracing } = await import('../src');
    const app = new App({ outdir });
    const chart = new Chart(app, 'platform');
    new LightstepTracing(chart, 'tracing', { istioRelease: IstioRelease.of('1.30'), address: 'ingest.lightstep.com:443', accessToken: AccessToken.fromEnv(), istioNamespace: 'istio-control' });
    configMap(chart, 'in-istio', 'istio-control');
    configMap(chart, 'in-istio-system', 'istio-system');
    const warnings = MeshAnalysis.of(app).warnings();
    expect(warnings.filter((warning) => warning.includes('istio-control'))).toEqual([]);
    expect(warnings).toContainEqual(expect.stringMatching(/^ConfigMap istio-system\/in-istio-system \(construct platform\/in-istio-system\) goes to namespace istio-system, which no construct of this app creates/));
  });

  test('an object without a namespace goes to default and is not warned about', () => {
    const app = new App({ outdir });
    new ApiObject(new Chart(app, 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' } });
    expect(MeshAnalysis.of(app).warnings()).toEqual([]);
  });
});
