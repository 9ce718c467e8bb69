/**
 * The bad-input catalogue: every case goes through the app as a user meets it and must end in one message
 * that names the key or prop, shows the value and gives the fix, with the previous output left exactly as
 * it was. PRINT_CATALOGUE=1 prints each case with its message (the list kept in the issue note).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import {
  AccessToken, Bookinfo, BookinfoRoutingScenario, CaCertificate, LightstepCaCertSecret, LightstepTracing, MeshNamespace,
} from '../src';
import { ConfigurationError } from '../src/configuration-error';
import {
  capturingWarnings, expectPreviousOutputUntouched, listFiles, removeTempDirs, REPO_ROOT, runApp, synthesizeInto, tempDir,
  Workspace, workspaceWithPreviousOutput, writeConfig,
} from './support/run-app';

const CERTS = path.join(REPO_ROOT, 'test', 'fixtures', 'certs');
const SATELLITE = 'lightstep:\n  address: satellite.lightstep:9292\n';
/** Istio 1.9 with the CA read from ca.pem beside the configuration; cases put a fixture there. */
const CA_FILE_CONFIG = `istio:\n  release: "1.9"\n${SATELLITE}  caCertificateFile: ca.pem\n`;
const catalogue: string[] = [];

afterAll(() => {
  removeTempDirs();
  if (process.env.PRINT_CATALOGUE) process.stdout.write(`${catalogue.join('\n')}\n`);
});

/** One bad configuration: what the file says, which key the message must start with, and what it must show. */
interface ConfigCase {
  /** YAML text; the workspace's input folder holds `ca.pem` when `caFixture` is set. */
  readonly config: string;
  /** The key or prop the message starts with. */
  readonly key: string;
  /** Text the message must contain: the offending value, as the message quotes it. */
  readonly shows: string;
  /** The reason, where it matters which one is given. */
  readonly says?: RegExp;
  /** A file of test/fixtures/certs copied into the input folder as ca.pem. */
  readonly caFixture?: string;
}

const CONFIG_CASES: Record<string, ConfigCase> = {
  'config: YAML syntax error (unclosed flow sequence)': {
    config: 'lightstep:\n  address: [satellite.lightstep:9292\n', key: '<config>', shows: 'not valid YAML', says: /\(3:1\)/,
  },
  'config: YAML syntax error (tab indentation)': {
    config: 'lightstep:\n\taddress: satellite.lightstep:9292\n', key: '<config>', shows: 'not valid YAML', says: /\(2:1\)/,
  },
  'config: address is a number': { config: 'lightstep:\n  address: 9292\n', key: 'lightstep.address', shows: '9292', says: /expected a string/ },
  'config: reviewsVersions holds numbers': {
    config: `${SATELLITE}bookinfo:\n  reviewsVersions: [1, 2]\n`, key: 'bookinfo.reviewsVersions', shows: '[1,2]', says: /list of strings/,
  },
  'config: mutualTls is a quoted string': {
    config: `${SATELLITE}bookinfo:\n  mutualTls: "true"\n`, key: 'bookinfo.mutualTls', shows: '"true"', says: /true or false/,
  },
  'config: key in the wrong section (lightstep.sampling)': {
    config: `${SATELLITE}  sampling: 100\n`, key: 'lightstep.sampling', shows: '100', says: /unknown key/,
  },
  'config: misspelt section key (bookinfo.namepsace)': {
    config: `${SATELLITE}bookinfo:\n  namepsace: shop\n`, key: 'bookinfo.namepsace', shows: '"shop"', says: /did you mean bookinfo\.namespace/,
  },
  'config: empty file (no address)': { config: '', key: 'lightstep.address', shows: 'nothing', says: /is required/ },
  'config: address without a port': {
    config: 'lightstep:\n  address: satellite.lightstep\n', key: 'LightstepTracing.address', shows: '"satellite.lightstep"', says: /no port/,
  },
  'config: address with port 0': {
    config: 'lightstep:\n  address: satellite.lightstep:0\n', key: 'LightstepTracing.address', shows: '"satellite.lightstep:0"', says: /port "0"/,
  },
  'config: address with port 65536': {
    config: 'lightstep:\n  address: satellite.lightstep:65536\n', key: 'LightstepTracing.address', shows: '"satellite.lightstep:65536"', says: /1 to 65535/,
  },
  'config: a URL instead of host:port': {
    config: 'lightstep:\n  address: https://ingest.lightstep.com:443\n', key: 'LightstepTracing.address', shows: '"https://ingest.lightstep.com:443"', says: /URL/,
  },
  'config: an IPv6 host': {
    config: 'lightstep:\n  address: "[2001:db8::1]:9292"\n', key: 'LightstepTracing.address', shows: '"[2001:db8::1]:9292"', says: /IPv6/,
  },
  'config: empty token env name': {
    config: `${SATELLITE}  accessTokenEnv: ""\n`, key: 'lightstep.accessTokenEnv', shows: '""', says: /empty/,
  },
  'config: token env name starting with a digit': {
    config: `${SATELLITE}  accessTokenEnv: 1TOKEN\n`, key: 'lightstep.accessTokenEnv', shows: '"1TOKEN"', says: /shell variable/,
  },
  'config: sampling -1': { config: `${SATELLITE}tracing:\n  sampling: -1\n`, key: 'tracing.sampling', shows: '-1', says: /0 to 100/ },
  'config: sampling 101': { config: `${SATELLITE}tracing:\n  sampling: 101\n`, key: 'tracing.sampling', shows: '101', says: /0 to 100/ },
  'config: sampling NaN': { config: `${SATELLITE}tracing:\n  sampling: .NaN\n`, key: 'tracing.sampling', shows: 'NaN', says: /expected a number/ },
  'config: namespace Book_Info': {
    config: `${SATELLITE}bookinfo:\n  namespace: Book_Info\n`, key: 'MeshNamespace.name', shows: '"Book_Info"', says: /DNS-1123/,
  },
  'config: namespace of 64 characters': {
    config: `${SATELLITE}bookinfo:\n  namespace: ${'n'.repeat(64)}\n`, key: 'MeshNamespace.name', shows: 'nnnnnnnnnn', says: /DNS-1123/,
  },
  'config: Istio namespace Istio_System': {
    config: `${SATELLITE}istio:\n  namespace: Istio_System\n`, key: 'LightstepTracing.istioNamespace', shows: '"Istio_System"', says: /namespace name/,
  },
  'config: collector namespace equal to the Bookinfo namespace': {
    config: `${SATELLITE}tracing:\n  collector:\n    namespace: shop\nbookinfo:\n  namespace: shop\n`,
    key: 'tracing.collector.namespace', shows: '"shop"', says: /sidecar injection/,
  },
  'config: release 1.99 (unsupported)': {
    config: `istio:\n  release: "1.99"\n${SATELLITE}`, key: 'istio.release', shows: '"1.99"', says: /outside the releases/,
  },
  'config: release 1.9.x (malformed)': {
    config: `istio:\n  release: "1.9.x"\n${SATELLITE}`, key: 'istio.release', shows: '"1.9.x"', says: /not an Istio release/,
  },
  'config: release 1.15.3 (no tracer for LightStep)': {
    config: `istio:\n  release: "1.15.3"\n${SATELLITE}`, key: 'LightstepTracing.istioRelease', shows: '"1.15.3"', says: /built without the LightStep tracer/,
  },
  'config: release 1.16.0 (OpenTelemetry tracer not yet enabled)': {
    config: `istio:\n  release: "1.16.0"\n${SATELLITE}`, key: 'LightstepTracing.istioRelease', shows: '"1.16.0"', says: /enabled in 1\.16\.1/,
  },
  'config: release 1.0 (before the LightStep tracer)': {
    config: `istio:\n  release: "1.0"\n${SATELLITE}`, key: 'LightstepTracing.istioRelease', shows: '"1.0"', says: /arrived in Istio 1\.1/,
  },
  'config: revision on Istio 1.1': {
    config: `istio:\n  release: "1.1"\n  revision: canary\n${SATELLITE}  caCertificateFile: ca.pem\n`, caFixture: 'valid-ca.pem',
    key: 'LightstepTracing.revision', shows: '"canary"', says: /no control plane revisions/,
  },
  'config: Istio 1.1 with secure: true and no CA file': {
    config: `istio:\n  release: "1.1"\n${SATELLITE}`, key: 'LightstepTracing.caCertificate', shows: 'nothing', says: /requires a CA certificate/,
  },
  'config: a CA file with secure: false': {
    config: `istio:\n  release: "1.9"\n${SATELLITE}  secure: false\n  caCertificateFile: ca.pem\n`, caFixture: 'valid-ca.pem',
    key: 'LightstepTracing.caCertificate', shows: 'ca.pem"', says: /secure is false/,
  },
  'config: relative cacertPath': {
    config: `${SATELLITE}  cacertPath: cacert.pem\n`, key: 'LightstepTracing.cacertPath', shows: '"cacert.pem"', says: /absolute/,
  },
  'config: provider name with a space': {
    config: `${SATELLITE}tracing:\n  providerName: "light step"\n`, key: 'LightstepTracing.providerName', shows: '"light step"', says: /provider name/,
  },
  'config: gateway-api ingress on Istio 1.14': {
    config: `istio:\n  release: "1.14"\n${SATELLITE}bookinfo:\n  ingress: gateway-api\n`, key: 'Bookinfo.ingress', shows: '"1.14"', says: /Gateway API/,
  },
  'config: routing to an undeployed reviews version': {
    config: `${SATELLITE}bookinfo:\n  reviewsVersions: [v1, v2]\n  routing: reviews-v3\n`, key: 'Bookinfo.routing', shows: '"reviews-v3"', says: /v3, which is not deployed/,
  },
  'config: image tag with a space': {
    config: `${SATELLITE}bookinfo:\n  imageTag: "1.20 3"\n`, key: 'Bookinfo.imageTag', shows: '"1.20 3"', says: /not an image tag/,
  },
  'CA file: missing': {
    config: `istio:\n  release: "1.9"\n${SATELLITE}  caCertificateFile: no-such-ca.pem\n`,
    key: 'lightstep.caCertificateFile', shows: 'no-such-ca.pem"', says: /no such file/,
  },
  'CA file: a directory': {
    config: `istio:\n  release: "1.9"\n${SATELLITE}  caCertificateFile: .\n`, key: 'lightstep.caCertificateFile', shows: 'input"', says: /directory/,
  },
  'CA file: empty': {
    config: CA_FILE_CONFIG, caFixture: 'empty.pem',
    key: 'lightstep.caCertificateFile', shows: 'ca.pem"', says: /empty/,
  },
  'CA file: a private key': {
    config: CA_FILE_CONFIG, caFixture: 'test-only-private-key.pem',
    key: 'lightstep.caCertificateFile', shows: 'ca.pem"', says: /private key/,
  },
  'CA file: a certificate followed by its private key': {
    config: CA_FILE_CONFIG, caFixture: 'cert-with-test-only-private-key.pem',
    key: 'lightstep.caCertificateFile', shows: 'ca.pem"', says: /private key/,
  },
  'CA file: not PEM': {
    config: CA_FILE_CONFIG, caFixture: 'not-a-certificate.txt',
    key: 'lightstep.caCertificateFile', shows: 'ca.pem"', says: /no PEM block/,
  },
  'CA file: truncated PEM': {
    config: CA_FILE_CONFIG, caFixture: 'truncated.pem',
    key: 'lightstep.caCertificateFile', shows: 'ca.pem"', says: /truncated/,
  },
  'CA file: binary DER': {
    config: CA_FILE_CONFIG, caFixture: 'valid-ca.der',
    key: 'lightstep.caCertificateFile', shows: 'ca.pem"', says: /binary DER/,
  },
};

/** Runs `fn`, which must throw; returns the error. */
function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, but none was thrown');
}

/** The message names the key (or prop), shows the value, and gives a fix. */
function expectUsefulMessage(name: string, error: Error, key: string, shows: string, says?: RegExp): void {
  const isAnalysisFailure = !(error instanceof ConfigurationError) && error.message.startsWith('Validation failed');
  expect({ name: error.name, message: error.message, usable: error instanceof ConfigurationError || isAnalysisFailure })
    .toMatchObject({ usable: true });
  const message = error.message;
  // Errors of construct props name the construct and its path first: `Bookinfo at shop/bookinfo: Bookinfo.replicas: ...`.
  const unlocated = message.replace(/^[A-Za-z]+ at [^ ]+: /, '');
  expect(unlocated.startsWith(`${key}:`) || (isAnalysisFailure && message.includes(key))).toBe(true);
  expect(message).toContain(shows);
  expect(message).toMatch(/Fix: \S/);
  if (says) expect(message).toMatch(says);
  catalogue.push(`- ${name}: ${message.replace(/\n\s*/g, ' ')}`);
}

function prepare(testCase: ConfigCase): { workspace: Workspace; configFile: string; key: string } {
  const workspace = workspaceWithPreviousOutput();
  if (testCase.caFixture) fs.copyFileSync(path.join(CERTS, testCase.caFixture), path.join(workspace.inputDir, 'ca.pem'));
  const configFile = writeConfig(workspace, testCase.config);
  return { workspace, configFile, key: testCase.key === '<config>' ? configFile : testCase.key };
}

describe('bad input through the app: one message with key, value and fix, and the previous output untouched', () => {
  test.each(Object.entries(CONFIG_CASES))('%s', (name, testCase) => {
    const { workspace, configFile, key } = prepare(testCase);
    const error = thrownBy(() => synthesizeInto(configFile, workspace.outputRoot));
    expectUsefulMessage(name, error, key, testCase.shows, testCase.says);
    expectPreviousOutputUntouched(workspace);
  });

  test('config: LIGHTSTEP_CONFIG names a missing file', () => {
    const workspace = workspaceWithPreviousOutput();
    const missing = path.join(workspace.inputDir, 'no-such-config.yaml');
    const error = thrownBy(() => synthesizeInto(missing, workspace.outputRoot));
    expectUsefulMessage('config: LIGHTSTEP_CONFIG names a missing file', error, 'LIGHTSTEP_CONFIG', 'no-such-config.yaml"', /no such file/);
    expectPreviousOutputUntouched(workspace);
  });

  test('CA file: expired is a warning, and the synth succeeds and replaces the previous output', () => {
    const workspace = workspaceWithPreviousOutput();
    fs.copyFileSync(path.join(CERTS, 'expired-ca.pem'), path.join(workspace.inputDir, 'ca.pem'));
    const configFile = writeConfig(workspace, CA_FILE_CONFIG);
    const { result, warnings } = capturingWarnings(() => synthesizeInto(configFile, workspace.outputRoot));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Warning: .*ca\.pem: certificate "CN=Test Expired CA.*" expired on 2021-01-01/);
    expect(listFiles(workspace.outputRoot)).toEqual(result.files);
    expect(result.files).toContain('manifests/0001-lightstep.k8s.yaml');
    // The same check that passes after every refused input notices a replaced output.
    expect(() => expectPreviousOutputUntouched(workspace)).toThrow();
    catalogue.push(`- CA file: expired (warning, synth succeeds): ${warnings[0]}`);
  });
});

describe('bad construct props: a ConfigurationError that names the prop, before anything is synthesized', () => {
  const validCa = () => CaCertificate.fromFile(path.join(CERTS, 'valid-ca.pem'));
  const PROP_CASES: [string, (chart: Chart) => unknown, string, string, RegExp][] = [
    ['props: LightstepTracing address "x"', (chart) => new LightstepTracing(chart, 't', { istioRelease: '1.9', address: 'x' }),
      'LightstepTracing.address', '"x"', /no port/],
    ['props: LightstepTracing istioRelease "1.15"', (chart) => new LightstepTracing(chart, 't', { istioRelease: '1.15', address: 'satellite.lightstep:9292' }),
      'LightstepTracing.istioRelease', '"1.15"', /cannot send spans/],
    ['props: LightstepTracing sampling 150', (chart) => new LightstepTracing(chart, 't', { istioRelease: '1.30', address: 'satellite.lightstep:9292', sampling: 150 }),
      'LightstepTracing.sampling', '150', /0 to 100/],
    ['props: LightstepTracing applicationNamespaces ["Shop"]', (chart) => new LightstepTracing(chart, 't', {
      istioRelease: '1.9', address: 'satellite.lightstep:9292', caCertificate: validCa(), applicationNamespaces: ['Shop'],
    }), 'LightstepTracing.applicationNamespaces[0]', '"Shop"', /namespace name/],
    ['props: LightstepTracing collector image "not an image"', (chart) => new LightstepTracing(chart, 't', {
      istioRelease: '1.30', address: 'ingest.lightstep.com:443', collector: { image: 'not an image' },
    }), 'OtelCollector.image', '"not an image"', /image reference/],
    ['props: Bookinfo replicas 0', (chart) => new Bookinfo(chart, 'b', { replicas: 0 }), 'Bookinfo.replicas', '0', /at least 1/],
    ['props: Bookinfo namespace "Book_Info"', (chart) => new Bookinfo(chart, 'b', { namespace: 'Book_Info' }), 'Bookinfo.namespace', '"Book_Info"', /DNS-1123/],
    ['props: Bookinfo routing to an undeployed version', (chart) => new Bookinfo(chart, 'b', {
      reviewsVersions: ['v1'], routing: BookinfoRoutingScenario.REVIEWS_50_V3,
    }), 'Bookinfo.routing', '"reviews-50-v3"', /not deployed/],
    ['props: LightstepCaCertSecret namespace "bad ns"', (chart) => new LightstepCaCertSecret(chart, 's', { namespace: 'bad ns', certificate: validCa() }),
      'LightstepCaCertSecret.namespace', '"bad ns"', /namespace/],
    ['props: LightstepCaCertSecret key "../cacert.pem"', (chart) => new LightstepCaCertSecret(chart, 's', { namespace: 'shop', certificate: validCa(), key: '../cacert.pem' }),
      'LightstepCaCertSecret.key', '"../cacert.pem"', /key/],
    ['props: MeshNamespace name "Shop"', (chart) => new MeshNamespace(chart, 'n', { name: 'Shop' }), 'MeshNamespace.name', '"Shop"', /DNS-1123/],
    ['props: CaCertificate.fromFile of a private key', () => CaCertificate.fromFile(path.join(CERTS, 'test-only-private-key.pem'), { field: 'myChart.ca' }),
      'myChart.ca', 'test-only-private-key.pem"', /private key/],
    ['props: AccessToken.fromLiteralUnsafe("")', () => AccessToken.fromLiteralUnsafe(''), 'AccessToken.fromLiteralUnsafe', '""', /empty/],
  ];

  test.each(PROP_CASES)('%s', (name, build, prop, shows, says) => {
    const outdir = path.join(tempDir(), 'manifests');
    const app = new App({ outdir });
    const chart = new Chart(app, 'mine');
    const error = thrownBy(() => build(chart));
    expectUsefulMessage(name, error, prop, shows, says);
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test('props: a chart of the user whose pods would mount a Secret that is missing fails the analysis and writes nothing', () => {
    const outdir = path.join(tempDir(), 'manifests');
    const app = new App({ outdir });
    const chart = new Chart(app, 'mine');
    new MeshNamespace(chart, 'shop', { name: 'shop' });
    new MeshNamespace(chart, 'cart', { name: 'cart' });
    new LightstepTracing(chart, 'tracing', {
      istioRelease: '1.9', address: 'satellite.lightstep:9292', caCertificate: validCa(), applicationNamespaces: ['shop'],
    });
    const error = thrownBy(() => capturingWarnings(() => app.synth()));
    expectUsefulMessage('props: injected namespace without the lightstep.cacert Secret (analysis)', error, 'Secret cart/lightstep.cacert is missing',
      'cart', /LightstepCaCertSecret in namespace cart/);
    expect(listFiles(outdir)).toEqual([]);
  });
});

describe('bad input through the app as a process: exit code 1, one line on stderr, no stack trace, nothing written', () => {
  const PROCESS_CASES: [string, string | undefined, string | undefined, RegExp][] = [
    ['empty configuration file', '', undefined, /^Error: lightstep\.address: is required \(got nothing\)\. Fix: .+/],
    ['port 65536', 'lightstep:\n  address: satellite.lightstep:65536\n', undefined, /^Error: LightstepTracing\.address: port "65536" .*Fix: .+/],
    ['release 1.15.3', `istio:\n  release: "1.15.3"\n${SATELLITE}`, undefined, /^Error: LightstepTracing\.istioRelease: Istio 1\.15\.3 cannot .*\(got "1\.15\.3"\)\. Fix: .+/],
    ['a private key as CA file', CA_FILE_CONFIG, 'test-only-private-key.pem',
      /^Error: lightstep\.caCertificateFile: the file holds a private key \(got ".*ca\.pem"\)\. Fix: .+/],
    ['LIGHTSTEP_CONFIG names a missing file', undefined, undefined, /^Error: LIGHTSTEP_CONFIG: cannot read the configuration file: no such file .*Fix: .+/],
  ];

  test.each(PROCESS_CASES)('%s', (_, config, caFixture, expected) => {
    const workspace = workspaceWithPreviousOutput();
    if (caFixture) fs.copyFileSync(path.join(CERTS, caFixture), path.join(workspace.inputDir, 'ca.pem'));
    const configFile = config === undefined ? path.join(workspace.inputDir, 'missing.yaml') : writeConfig(workspace, config);
    // Run from the workspace: with a manifests folder outside the working folder, the app puts install inputs in ./dist.
    const run = runApp({ LIGHTSTEP_CONFIG: configFile, CDK8S_OUTDIR: workspace.manifestsDir }, path.dirname(workspace.inputDir));
    expect(run).toMatchObject({ status: 1, stdout: '' });
    expect(run.stderr).toMatch(expected);
    expect(run.stderr.endsWith('\n')).toBe(true);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expectPreviousOutputUntouched(workspace);
  });
});
