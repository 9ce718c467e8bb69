/**
 * The manifests folder as GitOps tools take it: its kustomization, read by the real kubectl (kustomize and the
 * resource builder of `kubectl apply`), for the app's output of every configuration and for a library user's App;
 * and the README's Argo CD and Flux files, checked against the install route that INSTALL.md gives and rendered
 * with kubectl the way Flux renders them.
 *
 * kubectl is the pinned one of the install runs (scripts/fetch-tools.js). `kubectl apply -k --dry-run=client` and
 * `kubectl create -k --dry-run=client` ask an API server for the kinds of the objects even then (there is none
 * here); `kubectl label --local --dry-run=client` reads a folder through the same builder without one, so that is
 * the form used.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AccessToken, Bookinfo, IstioRelease, LightstepInstallGuide, LightstepTracing } from '../src';
import {
  ALL_CONFIGS, capturingWarnings, listFiles, removeTempDirs, REPO_ROOT, REPOSITORY_CONFIG, synthesizeInto, tempDir,
} from './support/run-app';

const KUSTOMIZATION = 'Kustomization';
const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const GITOPS_EXAMPLES = path.join(REPO_ROOT, 'examples', 'gitops');

afterAll(removeTempDirs);

let kubectlPath: string;
beforeAll(() => {
  kubectlPath = createRequire(import.meta.url)('../scripts/fetch-tools.js').ensureTools().kubectl;
}, 120_000);

/** Runs the real kubectl, without a cluster; fails with its stderr. */
function kubectl(...args: string[]): string {
  const run = spawnSync(kubectlPath, args, {
    encoding: 'utf8', timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', HOME: tempDir(), KUBECONFIG: path.join(tempDir(), 'no-cluster') },
  });
  if (run.error) throw new Error(`kubectl could not be run: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed:\n${run.stderr}`);
  return run.stdout;
}

interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Record<string, string> };
  readonly [field: string]: any;
}

const identity = (object: KubeObject) => `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
const documents = (text: string) => (yaml.loadAll(text) as KubeObject[]).filter((doc) => doc !== null && doc !== undefined);
/** The objects kubectl printed with -o json: one JSON document after the other, each opening and closing at the start of a line. */
const printed = (json: string): KubeObject[] => JSON.parse(`[${json.trim().replace(/^}\n\{/gm, '},\n{')}]`);
/** Objects in a stable order, to compare two readings of the same set. */
const sorted = (objects: KubeObject[]) => [...objects].sort((a, b) => identity(a).localeCompare(identity(b)));

/** The objects of the manifest files of a folder (its .yaml files, as `kubectl apply -f` reads them). */
function objectsOfFolder(folder: string): KubeObject[] {
  return fs.readdirSync(folder).filter((file) => file.endsWith('.yaml')).sort()
    .flatMap((file) => documents(fs.readFileSync(path.join(folder, file), 'utf8')));
}

/** Every object once, and every Namespace before every other object. */
function expectEveryObjectOnceNamespacesFirst(read: KubeObject[], folder: string): void {
  expect(sorted(read)).toEqual(sorted(objectsOfFolder(folder)));
  expect(new Set(read.map(identity)).size).toBe(read.length);
  const firstOther = read.findIndex((object) => object.kind !== 'Namespace');
  expect(read.slice(firstOther).filter((object) => object.kind === 'Namespace').map(identity)).toEqual([]);
}

const outputs = new Map<string, string>();
beforeAll(() => {
  capturingWarnings(() => {
    for (const config of ALL_CONFIGS) {
      const root = path.join(tempDir(), 'dist');
      synthesizeInto(config, root);
      outputs.set(config, root);
    }
  });
});

describe.each(ALL_CONFIGS.map((config) => [config]))('%s: the manifests folder is a kustomization', (config) => {
  const manifests = () => path.join(outputs.get(config)!, 'manifests');

  test('its Kustomization lists every manifest file of the folder in apply order, nothing from istio/, and says it was generated', () => {
    const text = fs.readFileSync(path.join(manifests(), KUSTOMIZATION), 'utf8');
    expect(text.split('\n')[0]).toContain(LightstepInstallGuide.GENERATED_MARKER);
    const kustomization = yaml.load(text) as any;
    expect(kustomization).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization',
      resources: fs.readdirSync(manifests()).filter((file) => file.endsWith('.k8s.yaml')).sort(),
    });
    expect(listFiles(manifests())).toEqual([...kustomization.resources, KUSTOMIZATION].sort());
  });

  test('kubectl kustomize yields every object once, Namespaces first', () => {
    expectEveryObjectOnceNamespacesFirst(documents(kubectl('kustomize', manifests())), manifests());
  });

  test('kubectl reads the folder with -k as apply -k does (without a server: --local --dry-run=client): every object once, Namespaces first', () => {
    const read = printed(kubectl('label', '--local', '--dry-run=client', '-o', 'json', '-k', manifests(), 'checked=true'));
    expectEveryObjectOnceNamespacesFirst(read.map((object) => withoutLabel(object, 'checked')), manifests());
  });

  test('kubectl apply -f of the folder still reads the manifests alone: the Kustomization is no object to it', () => {
    const read = printed(kubectl('label', '--local', '--dry-run=client', '-o', 'json', '-f', manifests(), 'checked=true'));
    expect(sorted(read.map((object) => withoutLabel(object, 'checked')))).toEqual(sorted(objectsOfFolder(manifests())));
  });
});

/** The object without the label a `kubectl label --local` run added (and without labels, if that was the only one). */
function withoutLabel(object: KubeObject, label: string): KubeObject {
  const copy = structuredClone(object) as any;
  delete copy.metadata.labels[label];
  if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  return copy;
}

test('the reason for its name: a kustomization.yaml in the folder would be read by kubectl apply -f as an object', () => {
  const folder = path.join(tempDir(), 'manifests');
  fs.cpSync(path.join(outputs.get(REPOSITORY_CONFIG)!, 'manifests'), folder, { recursive: true });
  fs.renameSync(path.join(folder, KUSTOMIZATION), path.join(folder, 'kustomization.yaml'));
  const read = printed(kubectl('label', '--local', '--dry-run=client', '-o', 'json', '-f', folder, 'checked=true'));
  expect(read.map((object) => object.kind)).toContain('Kustomization');
});

describe('a library user\'s App gets the kustomization from the install guide', () => {
  function userApp(outdir: string, manifestsDir?: string): LightstepInstallGuide {
    const app = new App({ outdir });
    const chart = new Chart(app, 'platform');
    const tracing = new LightstepTracing(chart, 'tracing', {
      istioRelease: IstioRelease.of('1.30'), address: 'ingest.lightstep.com:443', accessToken: AccessToken.fromEnv('LIGHTSTEP_ACCESS_TOKEN'),
    });
    const bookinfo = new Bookinfo(chart, 'bookinfo', { istioRelease: IstioRelease.of('1.30') });
    new Chart(app, 'empty');
    capturingWarnings(() => app.synth());
    return new LightstepInstallGuide({ tracing, bookinfo, manifestsDir });
  }

  test('writeTo puts it beside the manifests, in the App\'s outdir, listing the charts that hold objects; kubectl kustomize reads the folder', () => {
    const root = tempDir();
    const written = userApp(path.join(root, 'manifests')).writeTo(root);
    expect(written).toContain(`manifests/${KUSTOMIZATION}`);
    expect((yaml.load(fs.readFileSync(path.join(root, 'manifests', KUSTOMIZATION), 'utf8')) as any).resources).toEqual(['platform.k8s.yaml']);
    expectEveryObjectOnceNamespacesFirst(documents(kubectl('kustomize', path.join(root, 'manifests'))), path.join(root, 'manifests'));
  });

  test('an outdir outside the guide\'s folder (the CLI\'s, under --stdout) still gets it; the guide names the manifests as told', () => {
    const outdir = path.join(tempDir(), 'cli-out');
    const root = tempDir();
    const written = userApp(outdir, 'manifests').writeTo(root);
    expect(fs.existsSync(path.join(outdir, KUSTOMIZATION))).toBe(true);
    expect(written).toContain(path.relative(root, path.join(outdir, KUSTOMIZATION)));
    expect(fs.existsSync(path.join(root, 'manifests'))).toBe(false);
  });

  test('kustomization() returns the same file, for apps that write their own folders', () => {
    const root = tempDir();
    const guide = userApp(path.join(root, 'manifests'));
    guide.writeTo(root);
    expect(guide.kustomization()).toEqual({
      path: KUSTOMIZATION, content: fs.readFileSync(path.join(root, 'manifests', KUSTOMIZATION), 'utf8'), executable: false,
    });
  });
});

/** The Helm route of INSTALL.md: the chart repository and each `helm install` (release, chart, namespace, version, values file). */
interface HelmRoute {
  readonly repository: string;
  readonly installs: { release: string; chart: string; namespace: string; version: string; valuesFile?: string }[];
}

function helmRouteOf(notes: string): HelmRoute {
  const commands = notes.replace(/\s*\\\n\s*/g, ' ');
  const repository = /^helm repo add istio (\S+)/m.exec(commands)?.[1];
  const installs = [...commands.matchAll(/^helm install (\S+) istio\/(\S+) -n (\S+) --version (\S+)(?: -f (\S+))?/gm)]
    .map(([, release, chart, namespace, version, valuesFile]) => ({ release, chart, namespace, version, valuesFile }));
  if (repository === undefined || installs.length === 0) throw new Error('INSTALL.md has no Helm route from Istio\'s chart repository');
  return { repository, installs };
}

describe('the README\'s GitOps files install what INSTALL.md\'s Helm route installs, from the committed dist/', () => {
  const dist = path.join(REPO_ROOT, 'dist');
  const route = helmRouteOf(fs.readFileSync(path.join(dist, 'INSTALL.md'), 'utf8'));
  const examples = listFiles(GITOPS_EXAMPLES);
  const readExample = (file: string) => documents(fs.readFileSync(path.join(GITOPS_EXAMPLES, file), 'utf8'));

  test('each file is shown in the README verbatim, and each YAML block of the GitOps section is one of them', () => {
    const blocks = [...README.matchAll(/<!-- example: examples\/gitops\/(\S+)[^\n]*-->\n```yaml\n([\s\S]*?)```/g)];
    expect(blocks.map(([, file]) => file).sort()).toEqual(examples);
    for (const [, file, text] of blocks) expect(text).toBe(fs.readFileSync(path.join(GITOPS_EXAMPLES, file), 'utf8'));
  });

  test('Argo CD: one Application per helm install (chart, version, release, namespace, values from dist/istio), then dist/manifests', () => {
    const applications = readExample('argocd/applications.yaml');
    const wave = (application: KubeObject) => Number(application.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    for (const install of route.installs) {
      const application = applications.find((candidate) => (candidate.spec.source ?? candidate.spec.sources[0]).chart === install.chart)!;
      expect(application).toBeDefined();
      const [chartSource, ...others] = application.spec.sources ?? [application.spec.source];
      expect({ repository: chartSource.repoURL, version: chartSource.targetRevision, release: chartSource.helm?.releaseName ?? application.metadata.name, namespace: application.spec.destination.namespace })
        .toEqual({ repository: route.repository, version: install.version, release: install.release, namespace: install.namespace });
      if (install.valuesFile) {
        const ref = others.find((source: any) => source.ref)?.ref;
        expect(chartSource.helm.valueFiles).toEqual([`$${ref}/dist/${install.valuesFile}`]);
        expect(fs.existsSync(path.join(dist, install.valuesFile))).toBe(true);
      }
      // Istio before the objects that need its CRDs and injection.
      expect(wave(application)).toBeLessThan(wave(applications.find((candidate) => candidate.spec.source?.path === 'dist/manifests')!));
    }
    const manifests = applications.find((candidate) => candidate.spec.source?.path === 'dist/manifests')!;
    expect(fs.existsSync(path.join(REPO_ROOT, manifests.spec.source.path, KUSTOMIZATION))).toBe(true);
    expect(applications).toHaveLength(route.installs.length + 1);
  });

  test('Flux: rendered as Flux renders it, one HelmRelease per helm install, istiod\'s values the generated file byte for byte', () => {
    // Flux lets a kustomization read files outside its folder but inside the repository.
    const objects = documents(kubectl('kustomize', '--load-restrictor', 'LoadRestrictionsNone', path.join(GITOPS_EXAMPLES, 'flux', 'istio')));
    const repository = objects.find((object) => object.kind === 'HelmRepository')!;
    expect(repository.spec.url).toBe(route.repository);
    for (const install of route.installs) {
      const release = objects.find((object) => object.kind === 'HelmRelease' && object.spec.chart.spec.chart === install.chart)!;
      expect({ version: release.spec.chart.spec.version, release: release.spec.releaseName, namespace: release.spec.targetNamespace, source: release.spec.chart.spec.sourceRef.name })
        .toEqual({ version: install.version, release: install.release, namespace: install.namespace, source: repository.metadata.name });
      const valuesFrom = release.spec.valuesFrom ?? [];
      expect(valuesFrom.length).toBe(install.valuesFile ? 1 : 0);
      if (install.valuesFile) {
        const configMap = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === valuesFrom[0].name)!;
        expect(configMap.metadata.namespace).toBe(release.metadata.namespace);
        expect(configMap.data[valuesFrom[0].valuesKey]).toBe(fs.readFileSync(path.join(dist, install.valuesFile), 'utf8'));
      }
    }
    expect(objects.filter((object) => object.kind === 'HelmRelease')).toHaveLength(route.installs.length);
  });

  test('Flux: the manifests follow Istio, from dist/manifests, and every path is a folder of this repository', () => {
    const kustomizations = readExample('flux/sync.yaml');
    const manifests = kustomizations.find((object) => object.spec.path === './dist/manifests')!;
    const istio = kustomizations.find((object) => object !== manifests)!;
    expect(manifests.spec.dependsOn).toEqual([{ name: istio.metadata.name }]);
    expect(fs.existsSync(path.join(REPO_ROOT, manifests.spec.path, KUSTOMIZATION))).toBe(true);
    expect(fs.existsSync(path.join(REPO_ROOT, istio.spec.path, 'kustomization.yaml'))).toBe(true);
  });
});
