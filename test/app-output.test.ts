/**
 * What the app writes, for the default configuration and every example: byte-stable across runs, working
 * folders, time zones and locales; free of the access token; equal to the committed dist/; YAML whose
 * strings stay strings; objects that validate; and the facts each example exists to show.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Chart, Yaml } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import * as yaml from 'js-yaml';
import { buildLightstepBookinfoApp } from '../charts/lightstep-bookinfo-app';
import { parseAppConfig } from '../charts/app-config';
import { CaCertificate, MeshAnalysis, MeshNamespace } from '../src';
import {
  ALL_CONFIGS, capturingWarnings, emptyWorkspace, listFiles, readTextTree, readTree, removeTempDirs, REPO_ROOT, REPOSITORY_CONFIG, runApp,
  synthesizeInto, tempDir, writeConfig,
} from './support/run-app';
import { expectSchemaValid } from './support/schemas';

const KNOWN_TOKEN = 'known-test-token-9f3a';

interface Synthesized {
  /** Output root of the first synth. */
  readonly root: string;
  /** Output root of the second, independent synth. */
  readonly again: string;
  readonly files: Record<string, string>;
}

const outputs = new Map<string, Synthesized>();
let previousToken: string | undefined;

beforeAll(() => {
  previousToken = process.env.LIGHTSTEP_ACCESS_TOKEN;
  process.env.LIGHTSTEP_ACCESS_TOKEN = KNOWN_TOKEN;
  try {
    capturingWarnings(() => {
      for (const config of ALL_CONFIGS) {
        const root = path.join(tempDir(), 'dist');
        const again = path.join(tempDir(), 'dist');
        synthesizeInto(config, root);
        synthesizeInto(config, again);
        outputs.set(config, { root, again, files: readTextTree(root) });
      }
    });
  } finally {
    if (previousToken === undefined) delete process.env.LIGHTSTEP_ACCESS_TOKEN;
    else process.env.LIGHTSTEP_ACCESS_TOKEN = previousToken;
  }
});

afterAll(removeTempDirs);

function output(config: string): Synthesized {
  const result = outputs.get(config);
  if (!result) throw new Error(`no output for ${config}`);
  return result;
}

/** Files that differ between two output folders, or exist in one only. */
function differences(left: string, right: string): string[] {
  const a = readTree(left);
  const b = readTree(right);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.filter((name) => !a.has(name) || !b.has(name) || !a.get(name)!.equals(b.get(name)!));
}

/** Every document of every YAML file of an output, with the file it came from. */
function documentsOf(files: Record<string, string>, folder?: string): { file: string; doc: any }[] {
  return Object.entries(files)
    .filter(([file]) => file.endsWith('.yaml') && (folder === undefined || file.startsWith(`${folder}/`)))
    .flatMap(([file, text]) => yaml.loadAll(text).filter((doc) => doc !== null && doc !== undefined).map((doc) => ({ file, doc })));
}

function manifests(config: string): any[] {
  return documentsOf(output(config).files, 'manifests').map(({ doc }) => doc);
}

function find(docs: any[], kind: string, namespace: string | undefined, name: string): any {
  const found = docs.filter((doc) => doc.kind === kind && doc.metadata?.name === name && doc.metadata?.namespace === namespace);
  expect(found.map((doc) => `${doc.kind} ${doc.metadata.namespace}/${doc.metadata.name}`)).toEqual([`${kind} ${namespace}/${name}`]);
  return found[0];
}

describe.each(ALL_CONFIGS.map((config) => [config, config]))('%s', (_, config) => {
  test('two synths write the same files, byte for byte', () => {
    expect(listFiles(output(config).root).length).toBeGreaterThan(3);
    expect(differences(output(config).root, output(config).again)).toEqual([]);
  });

  test('no absolute path, home folder or timestamp in any file', () => {
    // Not the bare temp folder: Bookinfo's productpage mounts an emptyDir at /tmp, as upstream does.
    const forbidden = [REPO_ROOT, output(config).root, path.dirname(output(config).root)];
    if (process.env.HOME && process.env.HOME.length > 1) forbidden.push(process.env.HOME + path.sep);
    const today = new Date().toISOString().slice(0, 10);
    const found = Object.entries(output(config).files).flatMap(([file, text]) => [
      ...forbidden.filter((text_) => text.includes(text_)).map((text_) => `${file}: ${text_}`),
      ...(text.match(/\b\d{4}-\d{2}-\d{2}(T|\s)\d{2}:\d{2}|\b\d{1,2}:\d{2}:\d{2}\b|\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d/g) ?? []).map((match) => `${file}: ${match}`),
      ...(text.includes(today) ? [`${file}: ${today}`] : []),
    ]);
    expect(found).toEqual([]);
  });

  test('the access token in the environment is in no file, neither as text nor base64', () => {
    const encodings = [KNOWN_TOKEN, ...[0, 1, 2].map((offset) => {
      // base64 of the token at each alignment inside a longer value, without the characters that mix in neighbours
      const encoded = Buffer.from('x'.repeat(offset) + KNOWN_TOKEN).toString('base64');
      return encoded.slice(offset === 0 ? 0 : 4, -4);
    })];
    const leaks = Object.entries(output(config).files)
      .flatMap(([file, text]) => encodings.filter((encoding) => text.includes(encoding)).map((encoding) => `${file}: ${encoding}`));
    expect(leaks).toEqual([]);
    // The examples take the token from the shell; lightstep.yaml is the user's, who may use a Secret instead.
    if (config !== REPOSITORY_CONFIG) expect(output(config).files['INSTALL.md']).toContain('$LIGHTSTEP_ACCESS_TOKEN');
  });

  test('every object validates against its schema, and the analysis finds nothing', () => {
    const docs = manifests(config);
    // A user's lightstep.yaml without Bookinfo yields a handful of objects; every example yields many.
    expect(docs.length).toBeGreaterThan(config === REPOSITORY_CONFIG ? 0 : 10);
    expectSchemaValid(docs);
    const parsed = parseAppConfig(fs.readFileSync(config, 'utf8'), config, path.dirname(config));
    const app = new App({ outdir: path.join(tempDir(), 'unused') });
    buildLightstepBookinfoApp(app, parsed);
    expect(MeshAnalysis.of(app).analyze()).toEqual([]);
  });

  test('every YAML file reads the same under YAML 1.1 (kubectl, cdk8s) and YAML 1.2, and writes its numbers and booleans canonically', () => {
    expectSameUnderYaml11AndCanonical(output(config).files);
  });

  test('INSTALL.md lists its steps in order: six with Bookinfo, ending with the verification, then the clean-up; four without', () => {
    const headings = output(config).files['INSTALL.md'].match(/^## .*$/gm) ?? [];
    const withBookinfo = listFiles(output(config).root).includes('manifests/0002-bookinfo.k8s.yaml');
    if (config !== REPOSITORY_CONFIG) expect(withBookinfo).toBe(true);
    const steps = withBookinfo
      ? [/^## 1\. Create the namespaces/, /^## 2\. Install Istio \S+ with LightStep tracing/, /^## 3\. Apply the manifests/, /^## 4\. Find GATEWAY_URL/,
        /^## 5\. Send traffic/, /^## 6\. Verify that spans reach LightStep/, /^## Clean up, when you are done/]
      : [/^## 1\. Create the namespaces/, /^## 2\. Install Istio \S+ with LightStep tracing/, /^## 3\. Apply the manifests/, /^## 4\. Clean up/];
    expect(headings).toHaveLength(steps.length);
    steps.forEach((pattern, index) => expect(headings[index]).toMatch(pattern));
  });
});

/**
 * Parses every YAML file with YAML 1.1 (what cdk8s and kubectl's parser read) and with js-yaml's YAML 1.2
 * core schema, and expects the same values; and, with the failsafe schema (everything a string), expects
 * each number and boolean to be written exactly as JavaScript prints it, so no 0o17, 1_000 or True.
 */
function expectSameUnderYaml11AndCanonical(files: Record<string, string>): void {
  const yamlFiles = Object.entries(files).filter(([file]) => file.endsWith('.yaml')).sort(([a], [b]) => a.localeCompare(b));
  expect(yamlFiles.length).toBeGreaterThan(0);
  const combined = yamlFiles.map(([, text]) => text.replace(/^---\n/, '')).join('\n---\n');
  const core = yaml.loadAll(combined).filter((doc) => doc !== null && doc !== undefined);
  const file = path.join(tempDir(), 'all.yaml');
  fs.writeFileSync(file, combined);
  expect(Yaml.load(file)).toEqual(core);

  const failsafe = yaml.loadAll(combined, undefined, { schema: yaml.FAILSAFE_SCHEMA }).filter((doc) => doc !== null && doc !== undefined);
  const mismatches: string[] = [];
  const compare = (typed: unknown, text: unknown, where: string) => {
    if (typed !== null && typeof typed === 'object') {
      for (const [key, value] of Object.entries(typed)) compare(value, (text as any)?.[key], `${where}.${key}`);
    } else if (String(typed) !== text) {
      mismatches.push(`${where}: ${JSON.stringify(typed)} written as ${JSON.stringify(text)}`);
    }
  };
  core.forEach((doc, index) => compare(doc, failsafe[index], `document ${index}`));
  expect(mismatches).toEqual([]);
}

describe('determinism as a process: other working folder, time zone and locale', () => {
  test('examples/istio-1.9.yaml: Pacific/Kiritimati + tr_TR.UTF-8 and UTC + C give the same bytes as the in-process synth', () => {
    const config = path.join(REPO_ROOT, 'examples', 'istio-1.9.yaml');
    const runs = [
      { TZ: 'Pacific/Kiritimati', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' },
      { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' },
    ].map((settings) => {
      const cwd = tempDir();
      const run = runApp({ ...settings, LIGHTSTEP_CONFIG: config }, cwd);
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.stringMatching(/^Warning: .*example CA[^\n]*\n$/) });
      return path.join(cwd, 'dist');
    });
    expect(listFiles(runs[0])).toEqual(listFiles(output('examples/istio-1.9.yaml').root));
    expect(differences(runs[0], runs[1])).toEqual([]);
    expect(differences(runs[0], output('examples/istio-1.9.yaml').root)).toEqual([]);
  });
});

describe('a literal access token', () => {
  test.each([['1.30', 'manifests/0001-lightstep.k8s.yaml'], ['1.9', 'istio/istio-operator.yaml']])(
    'Istio %s: written only with allowLiteralAccessToken, and with a warning', (release, fileWithToken) => {
      const literal = 'literal-test-token-7c21';
      const workspace = emptyWorkspace();
      const configFile = writeConfig(workspace,
        `istio:\n  release: "${release}"\nlightstep:\n  address: ${release === '1.9' ? 'lightstep-satellite.lightstep:8080' : 'ingest.lightstep.com:443'}\n` +
        `  accessToken: ${literal}\n  allowLiteralAccessToken: true\n` + (release === '1.9' ? '  secure: false\n' : ''));
      const { warnings } = capturingWarnings(() => synthesizeInto(configFile, workspace.outputRoot));
      const files = readTextTree(workspace.outputRoot);
      expect(Object.keys(files).filter((file) => files[file].includes(literal))).toContain(fileWithToken);
      expect(warnings.filter((warning) => warning.includes('AccessToken.fromLiteralUnsafe') && /Do not commit/.test(warning))).toHaveLength(1);
    });
});

describe('drift', () => {
  test('the committed dist/ equals a fresh synth of the committed lightstep.yaml', () => {
    const committed = path.join(REPO_ROOT, 'dist');
    const fresh = output(REPOSITORY_CONFIG).root;
    const stale = differences(committed, fresh).filter((file) => !file.startsWith('.staging-'));
    const verdict = stale.length === 0 ? 'dist/ is up to date'
      : `dist/ differs from a fresh synth of lightstep.yaml in ${stale.join(', ')}: run \`npm run synth\` and commit dist/ with lightstep.yaml`;
    expect(verdict).toBe('dist/ is up to date');
  });

  test('dist/ holds YAML that reads the same under YAML 1.1 and 1.2', () => {
    expectSameUnderYaml11AndCanonical(readTextTree(path.join(REPO_ROOT, 'dist')));
  });
});

describe('YAML safety: awkward values survive the round trip', () => {
  // Not '0o17': cdk8s writes YAML 1.1, where it is a plain string, and YAML 1.2 parsers read that as 15.
  const AWKWARD = [
    'key: value', 'a:b', '"double" and \'single\' quotes', 'line one\nline two\n', '0123', '0x1F', '1e3', '1_000', '.5', '+1',
    'yes', 'no', 'on', 'off', 'y', 'n', 'True', 'NULL', 'null', '~', '*star', '&anchor', '# not a comment', 'a #b', '!tag', '%percent',
    '@at', '`tick', '- item', '[x]', '{a: b}', '|', '>', '', ' leading space', 'trailing space ', '---', '...', '\ttab',
  ];

  test('in ConfigMap data, annotations and container env of a chart built with the library', () => {
    const outdir = path.join(tempDir(), 'manifests');
    const app = new App({ outdir });
    const chart = new Chart(app, 'awkward');
    new MeshNamespace(chart, 'ns', { name: 'shop' });
    const data = Object.fromEntries(AWKWARD.map((value, index) => [`value-${index}`, value]));
    const annotations = Object.fromEntries(AWKWARD.map((value, index) => [`example.com/value-${index}`, value]));
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'awkward', namespace: 'shop', annotations }, data });
    const labels = { app: 'awkward', version: 'v1' };
    new k8s.KubeDeployment(chart, 'deploy', {
      metadata: { name: 'awkward', namespace: 'shop' },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'app', image: 'mirror.local:5000/istio/app:0123', env: AWKWARD.map((value, index) => ({ name: `VALUE_${index}`, value })) }] },
        },
      },
    });
    app.synth();
    const [file] = listFiles(outdir);
    for (const docs of [yaml.loadAll(fs.readFileSync(path.join(outdir, file), 'utf8')), Yaml.load(path.join(outdir, file))]) {
      const configMap = docs.find((doc: any) => doc.kind === 'ConfigMap') as any;
      const deployment = docs.find((doc: any) => doc.kind === 'Deployment') as any;
      expect(configMap.data).toEqual(data);
      expect(configMap.metadata.annotations).toEqual(annotations);
      expect(deployment.spec.template.spec.containers[0].env).toEqual(AWKWARD.map((value, index) => ({ name: `VALUE_${index}`, value })));
      expect(deployment.spec.template.spec.containers[0].image).toBe('mirror.local:5000/istio/app:0123');
    }
  });

  test.each([
    { revision: '0123', provider: 'off', namespace: 'yes', selector: { 'istio': 'on', 'example.com/tier': '0x1F' }, tag: '0123' },
    { revision: '1e3', provider: 'null', namespace: 'no', selector: { 'istio': 'true', 'example.com/tier': '012' }, tag: '1.10' },
  ])('config values that look like other YAML types: revision $revision, provider $provider, namespace $namespace, tag $tag', (values) => {
    const workspace = emptyWorkspace();
    const configFile = writeConfig(workspace, [
      'istio:', '  release: "1.30"', `  revision: "${values.revision}"`, `  ingressGatewaySelector: ${JSON.stringify(values.selector)}`,
      'lightstep:', '  address: ingest.lightstep.com:443', 'tracing:', `  providerName: "${values.provider}"`,
      'bookinfo:', `  namespace: "${values.namespace}"`, `  imageTag: "${values.tag}"`, '  imageRegistry: "mirror.local:5000/istio"', '',
    ].join('\n'));
    synthesizeInto(configFile, workspace.outputRoot);
    const files = readTextTree(workspace.outputRoot);
    expectSameUnderYaml11AndCanonical(files);
    const docs = documentsOf(files, 'manifests').map(({ doc }) => doc);
    expectSchemaValid(docs);
    expect(find(docs, 'Namespace', undefined, values.namespace).metadata.labels['istio.io/rev']).toBe(values.revision);
    expect(find(docs, 'Gateway', values.namespace, 'bookinfo-gateway').spec.selector).toEqual(values.selector);
    expect(find(docs, 'Telemetry', 'istio-system', 'mesh-default').spec.tracing[0].providers).toEqual([{ name: values.provider }]);
    expect(find(docs, 'Deployment', values.namespace, 'productpage-v1').spec.template.spec.containers[0].image)
      .toBe(`mirror.local:5000/istio/examples-bookinfo-productpage-v1:${values.tag}`);
    const operator = yaml.load(files['istio/istio-operator.yaml']) as any;
    expect(operator.spec.revision).toBe(values.revision);
    expect(operator.spec.meshConfig.extensionProviders.map((provider: any) => provider.name)).toEqual([values.provider]);
  });
});

describe('what each example exists to show', () => {
  const exampleCa = () => CaCertificate.fromFile(path.join(REPO_ROOT, 'examples', 'certs', 'example-ca.crt')).pem;

  function expectCaSecret(docs: any[], namespace: string): void {
    const secret = find(docs, 'Secret', namespace, 'lightstep.cacert');
    expect(secret.metadata.labels).toEqual({ app: 'lightstep' });
    expect(secret.type).toBe('Opaque');
    expect(Object.keys(secret.data)).toEqual(['cacert.pem']);
    expect(Buffer.from(secret.data['cacert.pem'], 'base64').toString('utf8')).toBe(exampleCa());
  }

  test('examples/istio-1.1-lightstep-task.yaml: the LightStep task of Istio 1.1, exactly', () => {
    const { files } = output('examples/istio-1.1-lightstep-task.yaml');
    expect(Object.keys(files).filter((file) => file.startsWith('istio/'))).toEqual(['istio/istio-helm-values.yaml']);
    const values = yaml.load(files['istio/istio-helm-values.yaml']) as any;
    expect(values.global.proxy.tracer).toBe('lightstep');
    expect(values.global.tracer.lightstep).toEqual({ address: 'lightstep-satellite.lightstep:9292', secure: true, cacertPath: '/etc/lightstep/cacert.pem' });
    expect(JSON.stringify(values)).not.toMatch(/accessToken/);
    const docs = manifests('examples/istio-1.1-lightstep-task.yaml');
    expectCaSecret(docs, 'default');
    const gateway = find(docs, 'Gateway', 'default', 'bookinfo-gateway');
    expect(gateway.apiVersion).toBe('networking.istio.io/v1alpha3');
    expect(gateway.spec.servers.map((server: any) => server.port.number)).toEqual([80]);
    const notes = files['INSTALL.md'];
    expect(notes).toContain('helm template istio "$ISTIO_DIR/install/kubernetes/helm/istio"');
    expect(notes).toContain('--set "global.tracer.lightstep.accessToken=$LIGHTSTEP_ACCESS_TOKEN"');
  });

  test('examples/istio-1.9.yaml: native tracer through mesh config, CA verified, gateway overlay', () => {
    const { files } = output('examples/istio-1.9.yaml');
    const operator = yaml.load(files['istio/istio-operator.yaml']) as any;
    expect(operator).toMatchObject({ apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator' });
    expect(operator.spec.values.global.proxy.tracer).toBe('lightstep');
    expect(operator.spec.meshConfig.defaultConfig.tracing).toEqual({
      sampling: 100,
      lightstep: { address: 'lightstep-satellite.lightstep:9292' },
      tlsSettings: { mode: 'SIMPLE', caCertificates: '/etc/lightstep/cacert.pem', sni: 'lightstep-satellite.lightstep' },
    });
    const gateway = operator.spec.components.ingressGateways.find((component: any) => component.name === 'istio-ingressgateway');
    const patches = gateway.k8s.overlays.find((overlay: any) => overlay.kind === 'Deployment' && overlay.name === 'istio-ingressgateway').patches;
    expect(patches.map((patch: any) => patch.value)).toEqual(expect.arrayContaining([
      expect.objectContaining({ mountPath: '/etc/lightstep' }),
      expect.objectContaining({ secret: expect.objectContaining({ secretName: 'lightstep.cacert' }) }),
    ]));
    const docs = manifests('examples/istio-1.9.yaml');
    expectCaSecret(docs, 'bookinfo');
    expectCaSecret(docs, 'istio-system');
  });

  test('examples/istio-1.30.yaml: collector, Telemetry naming a mesh provider, Gateway API v1', () => {
    const { files } = output('examples/istio-1.30.yaml');
    const operator = yaml.load(files['istio/istio-operator.yaml']) as any;
    const providers = operator.spec.meshConfig.extensionProviders;
    const docs = manifests('examples/istio-1.30.yaml');
    const telemetry = find(docs, 'Telemetry', 'istio-system', 'mesh-default');
    expect(telemetry.apiVersion).toBe('telemetry.istio.io/v1');
    const selected = telemetry.spec.tracing[0].providers.map((provider: any) => provider.name);
    expect(selected).toHaveLength(1);
    expect(providers.map((provider: any) => provider.name)).toContain(selected[0]);
    const provider = providers.find((candidate: any) => candidate.name === selected[0]);
    const [serviceName, namespace] = provider.opentelemetry.service.split('.');
    const service = find(docs, 'Service', namespace, serviceName);
    expect(service.spec.ports.find((port: any) => port.port === provider.opentelemetry.port).name).toMatch(/^grpc-/);
    find(docs, 'Deployment', namespace, serviceName);
    for (const kind of ['Gateway', 'HTTPRoute']) {
      const objects = docs.filter((doc) => doc.kind === kind && doc.metadata.namespace === 'bookinfo');
      expect(objects.length).toBeGreaterThan(0);
      for (const object of objects) expect(object.apiVersion).toBe('gateway.networking.k8s.io/v1');
    }
    expect(docs.filter((doc) => doc.apiVersion.startsWith('networking.istio.io/') && doc.kind === 'Gateway')).toEqual([]);
  });
});
