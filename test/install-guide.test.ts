/**
 * The install guide (Istio install inputs, INSTALL.md, verify.sh) as the app writes it into dist/ and as a library
 * user gets it through LightstepInstallGuide for constructs of their own: the same files for the same facts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Chart } from 'cdk8s';
import {
  AccessToken, Bookinfo, BookinfoIngressKind, BookinfoRoutingScenario, CaCertificate, IstioRelease, LightstepInstallGuide, LightstepTracing,
} from '../src';
import { ConfigurationError } from '../src/configuration-error';
import { UpstreamRelease } from './support/istio-upstream';
import {
  capturingWarnings, emptyWorkspace, listFiles, readTextTree, removeTempDirs, synthesizeInto, tempDir, Workspace, writeConfig,
} from './support/run-app';
import { readOutputFolder, upstreamProblems } from './support/upstream-checks';

const CA_FILE = fileURLToPath(new URL('./fixtures/certs/valid-ca.pem', import.meta.url));
const KNOWN_TOKEN = 'known-guide-token-5c1e';

/** One configuration per tracing generation, each with Bookinfo. */
const GENERATIONS: Record<string, string> = {
  'helm values (1.4.10)': 'istio:\n  release: "1.4.10"\nlightstep:\n  address: lightstep-satellite.lightstep:9292\n  caCertificateFile: CA\n',
  'mesh config (1.9.9)': 'istio:\n  release: "1.9.9"\nlightstep:\n  address: lightstep-satellite.lightstep:9292\n  caCertificateFile: CA\nbookinfo:\n  namespace: bookinfo\n  routing: reviews-test-v2\n',
  'zipkin to the collector (1.16.0)': 'istio:\n  release: "1.16.0"\nlightstep:\n  address: ingest.lightstep.com:443\n',
  'opentelemetry (1.30.3)': 'istio:\n  release: "1.30.3"\nlightstep:\n  address: ingest.lightstep.com:443\nbookinfo:\n  ingress: gateway-api\n',
};

/** Synthesizes a configuration with the app into a fresh workspace, with the token in the environment. */
function appOutput(config: string): Workspace & { listed: string[] } {
  const workspace = emptyWorkspace();
  const file = writeConfig(workspace, config.replace('caCertificateFile: CA', `caCertificateFile: ${JSON.stringify(CA_FILE)}`));
  const previous = process.env.LIGHTSTEP_ACCESS_TOKEN;
  process.env.LIGHTSTEP_ACCESS_TOKEN = KNOWN_TOKEN;
  try {
    const { result } = capturingWarnings(() => synthesizeInto(file, workspace.outputRoot));
    return { ...workspace, listed: result.files };
  } finally {
    if (previous === undefined) delete process.env.LIGHTSTEP_ACCESS_TOKEN;
    else process.env.LIGHTSTEP_ACCESS_TOKEN = previous;
  }
}

const outputs = new Map(Object.entries(GENERATIONS).map(([label, config]) => [label, appOutput(config)]));
afterAll(removeTempDirs);

describe.each(Object.keys(GENERATIONS))('the app writes dist/verify.sh: %s', (label) => {
  const output = outputs.get(label)!;
  const script = path.join(output.outputRoot, 'verify.sh');

  test('beside INSTALL.md, listed in the summary, mode 0755', () => {
    expect(output.listed).toContain('verify.sh');
    expect(fs.statSync(script).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(output.outputRoot, 'INSTALL.md')).mode & 0o777).toBe(0o644);
  });

  test('bash -n and shellcheck pass', () => {
    execFileSync('bash', ['-n', script]);
    const shellcheck = spawnSync('shellcheck', ['--severity=style', script], { encoding: 'utf8' });
    if (shellcheck.error) throw new Error(`shellcheck is not installed: ${shellcheck.error.message} (apt-get install -y shellcheck)`);
    expect(shellcheck.stdout + shellcheck.stderr).toBe('');
  });

  test('no access token in it, and the generated marker in its first lines, where the synth looks for it', () => {
    const text = fs.readFileSync(script, 'utf8');
    expect(text).not.toContain(KNOWN_TOKEN);
    expect(text).not.toContain(Buffer.from(KNOWN_TOKEN).toString('base64').slice(0, 16));
    expect(text.slice(0, 512)).toContain(LightstepInstallGuide.GENERATED_MARKER);
  });

  test('INSTALL.md ends its steps by running it from its own folder', () => {
    const notes = fs.readFileSync(path.join(output.outputRoot, 'INSTALL.md'), 'utf8');
    const steps = notes.match(/^## \d+\..*$/gm)!;
    expect(steps[steps.length - 1]).toBe('## 6. Verify that spans reach LightStep');
    expect(notes).toContain('```sh\n./verify.sh\n```');
    const step6 = notes.slice(notes.indexOf('## 6.'), notes.indexOf('## Clean up')).replace(/\s+/g, ' ');
    expect(step6).toContain('troubleshooting table of the cdk8s-istio-lightstep README (section "Verify that spans flow")');
    // What it says the script checks is this generation's: the CA mounts or the collector, a Telemetry only where there is one.
    expect(step6.includes('lightstep.cacert')).toBe(/helm|mesh config/.test(label));
    expect(step6.includes('Telemetry')).toBe(label.startsWith('opentelemetry'));
    expect(fs.readFileSync('README.md', 'utf8')).toMatch(/^## Verify that spans flow$/m);
  });
});

describe('the synth manages verify.sh like its other files', () => {
  test('without Bookinfo there is no verify.sh, and the one of an earlier synth is removed', () => {
    const workspace = emptyWorkspace();
    const config = writeConfig(workspace, 'istio:\n  release: "1.30"\nlightstep:\n  address: ingest.lightstep.com:443\n');
    capturingWarnings(() => synthesizeInto(config, workspace.outputRoot));
    expect(listFiles(workspace.outputRoot)).toContain('verify.sh');
    writeConfig(workspace, 'istio:\n  release: "1.30"\nlightstep:\n  address: ingest.lightstep.com:443\nbookinfo:\n  enabled: false\n');
    const { result } = capturingWarnings(() => synthesizeInto(config, workspace.outputRoot));
    expect(result.files).not.toContain('verify.sh');
    expect(listFiles(workspace.outputRoot)).not.toContain('verify.sh');
    expect(fs.readFileSync(path.join(workspace.outputRoot, 'INSTALL.md'), 'utf8')).not.toContain('verify.sh');
  });

  test('the clean-up deletes no manifest file that holds no object (kubectl refuses an empty one)', () => {
    const workspace = emptyWorkspace();
    const config = writeConfig(workspace, 'istio:\n  release: "1.9"\nlightstep:\n  address: lightstep-satellite.lightstep:9292\n  secure: false\nbookinfo:\n  enabled: false\n');
    capturingWarnings(() => synthesizeInto(config, workspace.outputRoot));
    const notes = fs.readFileSync(path.join(workspace.outputRoot, 'INSTALL.md'), 'utf8');
    expect(notes).toMatch(/^## 4\. Clean up$/m);
    expect(notes).not.toMatch(/kubectl delete --ignore-not-found -f manifests\//);
  });

  test('a verify.sh of the user\'s stops the synth before anything is written', () => {
    const workspace = emptyWorkspace();
    fs.mkdirSync(workspace.outputRoot, { recursive: true });
    fs.writeFileSync(path.join(workspace.outputRoot, 'verify.sh'), '#!/bin/sh\necho mine\n');
    const config = writeConfig(workspace, 'istio:\n  release: "1.30"\nlightstep:\n  address: ingest.lightstep.com:443\n');
    expect(() => capturingWarnings(() => synthesizeInto(config, workspace.outputRoot))).toThrow(/verify\.sh: not written by cdk8s-istio-lightstep/);
    expect(listFiles(workspace.outputRoot)).toEqual(['verify.sh']);
  });
});

describe('a library user gets the same guide for constructs of their own', () => {
  // The same facts as the 'mesh config (1.9.9)' configuration, composed in one chart of the user's.
  const root = path.join(tempDir(), 'dist');
  const app = new App({ outdir: path.join(root, 'manifests') });
  const chart = new Chart(app, 'platform');
  const tracing = new LightstepTracing(chart, 'tracing', {
    istioRelease: IstioRelease.of('1.9.9'),
    address: 'lightstep-satellite.lightstep:9292',
    caCertificate: CaCertificate.fromFile(CA_FILE),
    accessToken: AccessToken.fromEnv('LIGHTSTEP_ACCESS_TOKEN'),
    applicationNamespaces: ['bookinfo'],
  });
  const bookinfo = new Bookinfo(chart, 'bookinfo', { namespace: 'bookinfo', istioRelease: IstioRelease.of('1.9.9'), routing: BookinfoRoutingScenario.REVIEWS_TEST_V2 });
  const guide = new LightstepInstallGuide({ tracing, bookinfo });

  test('before the App is synthesized, files() says to synthesize it first', () => {
    expect(() => guide.files()).toThrow(ConfigurationError);
    expect(() => guide.files()).toThrow(/call app\.synth\(\) before asking for the guide's files, or give manifestFiles/);
  });

  test('writeTo refuses the App\'s outdir and folders in it', () => {
    app.synth();
    for (const folder of [app.outdir, path.join(app.outdir, 'guide')]) {
      expect(() => guide.writeTo(folder)).toThrow(/LightstepInstallGuide.writeTo: the folder is the App's outdir/);
    }
  });

  test('the install inputs and verify.sh are the app\'s, byte for byte; INSTALL.md differs only where the charts do', () => {
    const written = guide.writeTo(root);
    expect(written).toEqual(['INSTALL.md', 'istio/istio-operator.yaml', 'istio/istiod-helm-values.yaml', 'manifests/Kustomization', 'verify.sh']);
    expect(fs.statSync(path.join(root, 'verify.sh')).mode & 0o777).toBe(0o755);
    const mine = readTextTree(root);
    const apps = readTextTree(outputs.get('mesh config (1.9.9)')!.outputRoot);
    for (const file of ['istio/istio-operator.yaml', 'istio/istiod-helm-values.yaml', 'verify.sh']) expect(mine[file]).toBe(apps[file]);
    // Steps 2-6 are the same commands; step 1 and the clean-up follow the files the charts are written to.
    const middle = (notes: string) => notes.slice(notes.indexOf('## 2.'), notes.indexOf('## Clean up'));
    expect(middle(mine['INSTALL.md'])).toBe(middle(apps['INSTALL.md']));
    expect(mine['INSTALL.md'].slice(0, mine['INSTALL.md'].indexOf('## 1.'))).toBe(apps['INSTALL.md'].slice(0, apps['INSTALL.md'].indexOf('## 1.')));
  });

  test('its one chart holds workloads, so step 1 creates and labels the namespace by name, before Istio is installed', () => {
    const notes = fs.readFileSync(path.join(root, 'INSTALL.md'), 'utf8');
    const step1 = notes.slice(notes.indexOf('## 1.'), notes.indexOf('## 2.'));
    expect(step1).toContain('kubectl create namespace bookinfo --dry-run=client -o yaml | kubectl apply -f -');
    expect(step1).toContain('kubectl label namespace bookinfo --overwrite istio-injection=enabled');
    expect(step1).not.toContain('manifests/');
    expect(notes).toContain('kubectl delete --ignore-not-found -f manifests/platform.k8s.yaml');
  });

  test('the folder checks against Istio 1.9.9\'s own files like the app\'s', () => {
    expect(upstreamProblems(readOutputFolder(root), UpstreamRelease.of('1.9.9'))).toEqual([]);
  });

  test('without Bookinfo: the install inputs and INSTALL.md, no verify.sh', () => {
    const alone = new App({ outdir: path.join(tempDir(), 'manifests') });
    const tracingAlone = new LightstepTracing(new Chart(alone, 'tracing'), 'tracing', { istioRelease: IstioRelease.of('1.30'), address: 'ingest.lightstep.com:443' });
    const files = new LightstepInstallGuide({ tracing: tracingAlone, manifestFiles: ['tracing.k8s.yaml'] }).files();
    expect(files.map((file) => [file.path, file.executable])).toEqual([
      ['INSTALL.md', false], ['istio/istio-operator.yaml', false], ['istio/istiod-helm-values.yaml', false],
    ]);
    expect(files[0].content).toMatch(/^## 4\. Clean up$/m);
  });
});

describe('INSTALL.md commands that depend on the release and on names given to the constructs', () => {
  /** INSTALL.md of a user chart: LightstepTracing and Bookinfo for `release`, with `props` for the tracing. */
  function notes(release: string, props: Partial<ConstructorParameters<typeof LightstepTracing>[2]> = {}, ingressGatewaySelector?: Record<string, string>): string {
    const app = new App({ outdir: path.join(tempDir(), 'manifests') });
    const chart = new Chart(app, 'platform');
    const istioRelease = IstioRelease.of(release);
    const tracing = new LightstepTracing(chart, 'tracing', {
      istioRelease, address: 'lightstep-satellite.lightstep:9292', caCertificate: CaCertificate.fromFile(CA_FILE), ...props,
    });
    const bookinfo = new Bookinfo(chart, 'bookinfo', { istioRelease, ingressGatewaySelector });
    capturingWarnings(() => app.synth());
    return new LightstepInstallGuide({ tracing, bookinfo }).files().find((file) => file.path === 'INSTALL.md')!.content;
  }

  test('istioctl uninstall only where istioctl has it (1.15+); before, the generated manifest is deleted', () => {
    for (const release of ['1.6.14', '1.9.9', '1.14.6']) {
      expect(notes(release)).not.toContain('istioctl" uninstall');
      expect(notes(release)).toContain('"$ISTIO_DIR/bin/istioctl" manifest generate -f istio/istio-operator.yaml | kubectl delete --ignore-not-found -f -');
    }
    expect(notes('1.15.7', { caCertificate: undefined })).toContain('"$ISTIO_DIR/bin/istioctl" uninstall -y --purge');
  });

  test('a Helm-installed gateway of 1.8-1.14 gets the CA by a strategic merge patch; Helm users get their uninstall line', () => {
    for (const release of ['1.9.9', '1.12.9']) {
      const text = notes(release);
      const patch = /kubectl -n istio-system patch deployment istio-ingressgateway --type=strategic -p '(.*)'/.exec(text);
      expect(patch).not.toBeNull();
      expect(JSON.parse(patch![1])).toEqual({ spec: { template: { spec: {
        volumes: [{ name: 'lightstep-certs', secret: { secretName: 'lightstep.cacert', optional: true } }],
        containers: [{ name: 'istio-proxy', volumeMounts: [{ name: 'lightstep-certs', mountPath: '/etc/lightstep', readOnly: true }] }],
      } } } });
      expect(text).toContain('helm uninstall -n istio-system istio-ingressgateway istiod istio-base');
    }
    expect(notes('1.7.8')).not.toContain('--type=strategic');
  });

  test('a custom ingress gateway name is the Deployment restarted and the Service read', () => {
    const text = notes('1.9.9', { ingressGatewayName: 'edge-gateway' });
    expect(text).toContain('rollout restart deployment/edge-gateway');
    expect(text).toContain('get service edge-gateway -o jsonpath');
    expect(text).not.toMatch(/deployment\/istio-ingressgateway|service istio-ingressgateway/);
  });

  test('a token Secret in a namespace of the user\'s choice is named there and kept at clean-up', () => {
    const text = notes('1.9.9', { accessToken: AccessToken.fromSecret('ls-token', 'access_token', 'secrets') });
    expect(text).toContain('your Secret `ls-token` (key `access_token`) in namespace `secrets` when the install command');
    expect(text).toContain('kubectl -n secrets create secret generic ls-token');
  });

  test('the Gateway API step waits for the Gateway\'s address, whatever its ready condition is called in that release', () => {
    const app = new App({ outdir: path.join(tempDir(), 'manifests') });
    const chart = new Chart(app, 'platform');
    const tracing = new LightstepTracing(chart, 'tracing', { istioRelease: IstioRelease.of('1.16.7'), address: 'ingest.lightstep.com:443' });
    const bookinfo = new Bookinfo(chart, 'bookinfo', { istioRelease: IstioRelease.of('1.16.7'), ingress: BookinfoIngressKind.GATEWAY_API });
    capturingWarnings(() => app.synth());
    const text = new LightstepInstallGuide({ tracing, bookinfo }).files().find((file) => file.path === 'INSTALL.md')!.content;
    expect(text).not.toContain('--for=condition=programmed');
    expect(text).toContain(`jsonpath='{.status.addresses[0].value}')" ] && break; sleep 5; done`);
  });
});

describe('writeTo names the manifests where the App wrote them', () => {
  function guideFor(outdir: string): LightstepInstallGuide {
    const app = new App({ outdir });
    const chart = new Chart(app, 'platform');
    const tracing = new LightstepTracing(chart, 'tracing', { istioRelease: IstioRelease.of('1.30'), address: 'ingest.lightstep.com:443' });
    const bookinfo = new Bookinfo(chart, 'bookinfo', { istioRelease: IstioRelease.of('1.30') });
    capturingWarnings(() => app.synth());
    return new LightstepInstallGuide({ tracing, bookinfo });
  }

  test('an outdir of another name below the target folder is the folder INSTALL.md and verify.sh apply', () => {
    const root = tempDir();
    guideFor(path.join(root, 'k8s')).writeTo(root);
    expect(fs.readFileSync(path.join(root, 'INSTALL.md'), 'utf8')).toContain('kubectl apply -f k8s/');
    expect(fs.readFileSync(path.join(root, 'INSTALL.md'), 'utf8')).not.toContain('manifests/');
  });

  test('an outdir outside the target folder is refused, since no relative path would find it', () => {
    const guide = guideFor(path.join(tempDir(), 'manifests'));
    expect(() => guide.writeTo(tempDir())).toThrow(/LightstepInstallGuide.writeTo: .*not below it.*Fix: write the guide to a folder that holds the outdir/);
  });
});
