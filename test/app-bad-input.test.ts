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
import { ConfigFileError } from '../charts/config-reader';
import { ForeignOutputError } from '../charts/synthesize';
import { ConfigurationError } from '../src/configuration-error';
import { IstioRelease } from '../src/istio-release';
import {
  capturingWarnings, emptyWorkspace, expectPreviousOutputUntouched, listFiles, readTree, removeTempDirs, REPO_ROOT, runApp, synthesizeInto, tempDir,
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
    config: 'lightstep:\n  address: [satellite.lightstep:9292\n', key: 'line 3, column 1 (the end of the file)', shows: '(got "  address: [satellite.lightstep:9292")',
    says: /not valid YAML: unexpected end of the stream/,
  },
  'config: YAML syntax error (tab indentation)': {
    config: 'lightstep:\n\taddress: satellite.lightstep:9292\n', key: 'line 2, column 1', shows: '(got "\\taddress: satellite.lightstep:9292")', says: /not valid YAML: tab characters/,
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
  'config: misspelt required key (lightstep.adress): the typo, not "address is required"': {
    config: 'lightstep:\n  adress: satellite.lightstep:9292\n', key: 'lightstep.adress', shows: '"satellite.lightstep:9292"',
    says: /unknown key, did you mean lightstep\.address\?/,
  },
  'config: collector namespace Observability': {
    config: `${SATELLITE}tracing:\n  collector:\n    namespace: Observability\n`, key: 'tracing.collector.namespace', shows: '"Observability"', says: /DNS-1123|namespace/,
  },
  'config: collector image with a space': {
    config: `${SATELLITE}tracing:\n  collector:\n    image: "not an image"\n`, key: 'tracing.collector.image', shows: '"not an image"', says: /image/,
  },
  'config: token Secret name Bad_Name': {
    config: `${SATELLITE}  accessTokenSecret:\n    name: Bad_Name\n`, key: 'lightstep.accessTokenSecret.name', shows: '"Bad_Name"', says: /name/,
  },
  'config: misspelt section key (bookinfo.namepsace)': {
    config: `${SATELLITE}bookinfo:\n  namepsace: shop\n`, key: 'bookinfo.namepsace', shows: '"shop"', says: /did you mean bookinfo\.namespace/,
  },
  'config: empty file (no address)': { config: '', key: 'lightstep.address', shows: 'nothing', says: /is required/ },
  'config: address without a port': {
    config: 'lightstep:\n  address: satellite.lightstep\n', key: 'lightstep.address', shows: '"satellite.lightstep"', says: /no port/,
  },
  'config: address with port 0': {
    config: 'lightstep:\n  address: satellite.lightstep:0\n', key: 'lightstep.address', shows: '"satellite.lightstep:0"', says: /port "0"/,
  },
  'config: address with port 65536': {
    config: 'lightstep:\n  address: satellite.lightstep:65536\n', key: 'lightstep.address', shows: '"satellite.lightstep:65536"', says: /1 to 65535/,
  },
  'config: a URL instead of host:port': {
    config: 'lightstep:\n  address: https://ingest.lightstep.com:443\n', key: 'lightstep.address', shows: '"https://ingest.lightstep.com:443"', says: /URL/,
  },
  'config: an IPv6 host': {
    config: 'lightstep:\n  address: "[2001:db8::1]:9292"\n', key: 'lightstep.address', shows: '"[2001:db8::1]:9292"', says: /IPv6/,
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
    config: `${SATELLITE}bookinfo:\n  namespace: Book_Info\n`, key: 'bookinfo.namespace', shows: '"Book_Info"', says: /DNS-1123/,
  },
  'config: namespace of 64 characters': {
    config: `${SATELLITE}bookinfo:\n  namespace: ${'n'.repeat(64)}\n`, key: 'bookinfo.namespace', shows: 'nnnnnnnnnn', says: /DNS-1123/,
  },
  'config: Istio namespace Istio_System': {
    config: `${SATELLITE}istio:\n  namespace: Istio_System\n`, key: 'istio.namespace', shows: '"Istio_System"', says: /namespace name/,
  },
  'config: collector namespace equal to the Bookinfo namespace': {
    config: `${SATELLITE}tracing:\n  collector:\n    namespace: shop\nbookinfo:\n  namespace: shop\n`,
    key: 'tracing.collector.namespace', shows: '"shop"', says: /sidecar injection/,
  },
  'config: release 2.0 (unsupported)': {
    config: `istio:\n  release: "2.0"\n${SATELLITE}`, key: 'istio.release', shows: '"2.0"', says: /outside the releases/,
  },
  'config: release 1.9.x (malformed)': {
    config: `istio:\n  release: "1.9.x"\n${SATELLITE}`, key: 'istio.release', shows: '"1.9.x"', says: /not an Istio release/,
  },
  'config: release 0.8 (before Istio 1.0)': {
    config: `istio:\n  release: "0.8"\n${SATELLITE}`, key: 'istio.release', shows: '"0.8"', says: /outside the releases/,
  },
  'config: Istio 1.9 with secure: true and no CA file': {
    config: `istio:\n  release: "1.9"\n${SATELLITE}`, key: 'lightstep.caCertificateFile', shows: 'nothing', says: /mountPath "".*lightstep\.caCertificateFile/,
  },
  'config: release 1.0 (before the LightStep tracer)': {
    config: `istio:\n  release: "1.0"\n${SATELLITE}`, key: 'istio.release', shows: '"1.0"', says: /arrived in Istio 1\.1/,
  },
  'config: revision on Istio 1.1': {
    config: `istio:\n  release: "1.1"\n  revision: canary\n${SATELLITE}  caCertificateFile: ca.pem\n`, caFixture: 'valid-ca.pem',
    key: 'istio.revision', shows: '"canary"', says: /no control plane revisions/,
  },
  'config: Istio 1.1 with secure: true and no CA file': {
    config: `istio:\n  release: "1.1"\n${SATELLITE}`, key: 'lightstep.caCertificateFile', shows: 'nothing', says: /CA certificate is required/,
  },
  'config: a CA file with secure: false': {
    config: `istio:\n  release: "1.9"\n${SATELLITE}  secure: false\n  caCertificateFile: ca.pem\n`, caFixture: 'valid-ca.pem',
    key: 'lightstep.caCertificateFile', shows: 'ca.pem"', says: /secure is false/,
  },
  'config: plaintext to the public ingest on Istio 1.9 (no transport socket: plaintext HTTP/2 to a TLS port)': {
    config: 'istio:\n  release: "1.9"\nlightstep:\n  address: ingest.lightstep.com:443\n  secure: false\n', key: 'lightstep.secure', shows: 'false', says: /TLS only/,
  },
  'config: plaintext to the EU public ingest on Istio 1.30 (the collector\'s tls.insecure)': {
    config: 'lightstep:\n  address: ingest.eu.lightstep.com:443\n  secure: false\n', key: 'lightstep.secure', shows: 'false', says: /TLS only/,
  },
  'config: restrictedPodSecurity on Istio 1.9 (its injector webhook is v1beta1)': {
    config: `istio:\n  release: "1.9"\n${SATELLITE}  secure: false\nbookinfo:\n  restrictedPodSecurity: true\n`,
    key: 'bookinfo.restrictedPodSecurity', shows: 'true', says: /admissionregistration\.k8s\.io\/v1beta1.*Fix: target Istio 1\.10 or later/,
  },
  'config: restrictedPodSecurity with the Gateway API ingress on Istio 1.19 (no seccomp profile for the gateway pod)': {
    config: `istio:\n  release: "1.19"\n${SATELLITE}bookinfo:\n  restrictedPodSecurity: true\n  ingress: gateway-api\n`,
    key: 'bookinfo.restrictedPodSecurity', shows: 'true', says: /Gateway API Gateway with no seccomp profile.*bookinfo\.ingress: istio-gateway/,
  },
  'config: relative cacertPath': {
    config: `${SATELLITE}  cacertPath: cacert.pem\n`, key: 'lightstep.cacertPath', shows: '"cacert.pem"', says: /absolute/,
  },
  'config: provider name with a space': {
    config: `${SATELLITE}tracing:\n  providerName: "light step"\n`, key: 'tracing.providerName', shows: '"light step"', says: /provider name/,
  },
  'config: gateway-api ingress on Istio 1.14': {
    config: `istio:\n  release: "1.14"\n${SATELLITE}  secure: false\nbookinfo:\n  ingress: gateway-api\n`, key: 'bookinfo.ingress', shows: '"gateway-api"', says: /Istio 1\.14\.6 does not implement the Kubernetes Gateway API/,
  },
  'config: ambient mode on Istio 1.15': {
    config: `istio:\n  release: "1.15"\n  dataplaneMode: ambient\n${SATELLITE}`, key: 'istio.dataplaneMode', shows: '"ambient"', says: /ambient begins with Istio 1\.22/,
  },
  'config: ambient mode with the Istio Gateway ingress': {
    config: `istio:\n  dataplaneMode: ambient\n${SATELLITE}  secure: false\nbookinfo:\n  ingress: istio-gateway\n`, key: 'bookinfo.ingress', shows: '"istio-gateway"', says: /no istio-ingressgateway/,
  },
  'config: ambient mode with a revision': {
    config: `istio:\n  dataplaneMode: ambient\n  revision: canary\n${SATELLITE}  secure: false\n`, key: 'istio.revision', shows: '"canary"', says: /sidecar injection on/,
  },
  'config: routing to an undeployed reviews version': {
    config: `${SATELLITE}bookinfo:\n  reviewsVersions: [v1, v2]\n  routing: reviews-v3\n`, key: 'bookinfo.routing', shows: '"reviews-v3"', says: /v3, which is not deployed/,
  },
  'config: image tag with a space': {
    config: `${SATELLITE}bookinfo:\n  imageTag: "1.20 3"\n`, key: 'bookinfo.imageTag', shows: '"1.20 3"', says: /not an image tag/,
  },
  'CA file: missing': {
    config: `istio:\n  release: "1.9"\n${SATELLITE}  caCertificateFile: no-such-ca.pem\n`,
    key: 'lightstep.caCertificateFile', shows: 'no-such-ca.pem"', says: /no such file: .*input\/no-such-ca\.pem.*read from the folder of .*lightstep\.yaml/,
  },
  'CA file: a directory': {
    config: `istio:\n  release: "1.9"\n${SATELLITE}  caCertificateFile: .\n`, key: 'lightstep.caCertificateFile', shows: '"."', says: /a directory, not a file.*read from the folder of/,
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

/**
 * The message names the key (or prop), shows the value, and gives a fix. A problem of a configuration file
 * is a ConfigFileError naming that file, with exactly one problem, under the configuration key.
 */
function expectUsefulMessage(name: string, error: Error, key: string, shows: string, says?: RegExp, configFile?: string): void {
  const isAnalysisFailure = !(error instanceof ConfigurationError) && error.message.startsWith('Validation failed');
  const usable = configFile ? error instanceof ConfigFileError : error instanceof ConfigurationError || isAnalysisFailure;
  expect({ name: error.name, message: error.message, usable }).toMatchObject({ usable: true });
  const message = error.message;
  if (error instanceof ConfigFileError) {
    expect(error.problems.map((problem) => problem.field)).toEqual([key]);
    expect(message.startsWith(`${configFile}: ${key}:`)).toBe(true);
    expect(message).not.toMatch(/\b(LightstepTracing|MeshNamespace|Bookinfo|OtelCollector|LightstepCaCertSecret|AccessToken)\.\w/);
  } else {
    // Errors of construct props name the construct and its path first: `Bookinfo at shop/bookinfo: Bookinfo.replicas: ...`.
    const unlocated = message.replace(/^[A-Za-z]+ at [^ ]+: /, '');
    expect(unlocated.startsWith(`${key}:`) || (isAnalysisFailure && message.includes(key))).toBe(true);
  }
  expect(message).toContain(shows);
  expect(message).toMatch(/Fix: \S/);
  if (says) expect(message).toMatch(says);
  catalogue.push(`- ${name}: ${message.replace(/\n\s*/g, ' ')}`);
}

function prepare(testCase: ConfigCase): { workspace: Workspace; configFile: string } {
  const workspace = workspaceWithPreviousOutput();
  if (testCase.caFixture) fs.copyFileSync(path.join(CERTS, testCase.caFixture), path.join(workspace.inputDir, 'ca.pem'));
  return { workspace, configFile: writeConfig(workspace, testCase.config) };
}

describe('bad input through the app: one message with key, value and fix, and the previous output untouched', () => {
  test.each(Object.entries(CONFIG_CASES))('%s', (name, testCase) => {
    const { workspace, configFile } = prepare(testCase);
    const error = thrownBy(() => synthesizeInto(configFile, workspace.outputRoot));
    expectUsefulMessage(name, error, testCase.key, testCase.shows, testCase.says, configFile);
    expectPreviousOutputUntouched(workspace);
  });

  test('config: several problems in one file are reported together, unknown keys first', () => {
    const { workspace, configFile } = prepare({
      config: 'istio:\n  release: "1.9.x"\nlightstep:\n  adress: satellite.lightstep:9292\ntracing:\n  sampling: 101\nbookinfo:\n  mutualTls: "true"\n',
      key: '', shows: '',
    });
    const error = thrownBy(() => synthesizeInto(configFile, workspace.outputRoot));
    expect(error).toBeInstanceOf(ConfigFileError);
    const problems = (error as ConfigFileError).problems;
    expect(problems.map((problem) => problem.field)).toEqual(['lightstep.adress', 'istio.release', 'tracing.sampling', 'bookinfo.mutualTls']);
    expect(error.message.startsWith(`${configFile}: 4 problems:\n`)).toBe(true);
    for (const problem of problems) expect(error.message).toContain(`  - ${problem.message}`);
    catalogue.push(`- config: four problems at once: ${error.message.replace(/\n\s*/g, ' ')}`);
    expectPreviousOutputUntouched(workspace);
  });

  test('config: the configuration file is missing', () => {
    const workspace = workspaceWithPreviousOutput();
    const missing = path.join(workspace.inputDir, 'no-such-config.yaml');
    const error = thrownBy(() => synthesizeInto(missing, workspace.outputRoot));
    expectUsefulMessage('config: the configuration file is missing', error, '(configuration file)', 'no-such-config.yaml', /no such file.*--config FILE or LIGHTSTEP_CONFIG/, missing);
    expectPreviousOutputUntouched(workspace);
  });

  test('output: a file of the user\'s in dist/manifests is not dropped: the synth is refused and names it', () => {
    const workspace = workspaceWithPreviousOutput();
    const custom = path.join(workspace.manifestsDir, 'custom.yaml');
    fs.writeFileSync(custom, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n');
    const before = readTree(workspace.outputRoot);
    const configFile = writeConfig(workspace, `istio:\n  release: "1.30"\n${SATELLITE}`);
    const error = thrownBy(() => synthesizeInto(configFile, workspace.outputRoot));
    expect(error).toBeInstanceOf(ForeignOutputError);
    expect(error.message).toContain(custom);
    expect(error.message).toMatch(/nothing was written\. Fix: move/);
    expect(readTree(workspace.outputRoot)).toEqual(before);
    catalogue.push(`- output: a file of the user's in dist/manifests: ${error.message}`);
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

  test('plaintext to port 443 of a satellite is a warning naming lightstep.secure, and the synth succeeds', () => {
    const workspace = emptyWorkspace();
    const configFile = writeConfig(workspace, 'istio:\n  release: "1.9"\nlightstep:\n  address: satellite.lightstep:443\n  secure: false\n');
    const { warnings } = capturingWarnings(() => synthesizeInto(configFile, workspace.outputRoot));
    expect(warnings).toEqual([expect.stringMatching(/^Warning: .*lightstep\.yaml: lightstep\.secure is false with satellite\.lightstep:443: port 443 usually serves TLS/)]);
    catalogue.push(`- config: plaintext to port 443 of a satellite (warning, synth succeeds): ${warnings[0]}`);
  });
});

describe('bad construct props: a ConfigurationError that names the prop, before anything is synthesized', () => {
  const validCa = () => CaCertificate.fromFile(path.join(CERTS, 'valid-ca.pem'));
  const PROP_CASES: [string, (chart: Chart) => unknown, string, string, RegExp][] = [
    ['props: LightstepTracing address "x"', (chart) => new LightstepTracing(chart, 't', { istioRelease: IstioRelease.of('1.9'), address: 'x' }),
      'LightstepTracing.address', '"x"', /no port/],
    ['props: LightstepTracing istioRelease "1.0"', (chart) => new LightstepTracing(chart, 't', { istioRelease: IstioRelease.of('1.0'), address: 'satellite.lightstep:9292' }),
      'LightstepTracing.istioRelease', '"1.0.9"', /Istio 1\.0\.9 cannot send spans/],
    ['props: LightstepTracing sampling 150', (chart) => new LightstepTracing(chart, 't', { istioRelease: IstioRelease.of('1.30'), address: 'satellite.lightstep:9292', sampling: 150 }),
      'LightstepTracing.sampling', '150', /0 to 100/],
    ['props: LightstepTracing applicationNamespaces ["Shop"]', (chart) => new LightstepTracing(chart, 't', {
      istioRelease: IstioRelease.of('1.9'), address: 'satellite.lightstep:9292', caCertificate: validCa(), applicationNamespaces: ['Shop'],
    }), 'LightstepTracing.applicationNamespaces[0]', '"Shop"', /namespace name/],
    ['props: LightstepTracing collector image "not an image"', (chart) => new LightstepTracing(chart, 't', {
      istioRelease: IstioRelease.of('1.30'), address: 'ingest.lightstep.com:443', collector: { image: 'not an image' },
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
      istioRelease: IstioRelease.of('1.9'), address: 'satellite.lightstep:9292', caCertificate: validCa(), applicationNamespaces: ['shop'],
    });
    const error = thrownBy(() => capturingWarnings(() => app.synth()));
    expectUsefulMessage('props: injected namespace without the lightstep.cacert Secret (analysis)', error, 'Secret cart/lightstep.cacert is missing',
      'cart', /LightstepCaCertSecret in namespace cart/);
    expect(listFiles(outdir)).toEqual([]);
  });
});

describe('bad input through the app as a process: exit code 1, one line on stderr, no stack trace, nothing written', () => {
  const FILE = '\\S*lightstep\\.yaml';
  const PROCESS_CASES: [string, string | undefined, string | undefined, RegExp][] = [
    ['empty configuration file', '', undefined, new RegExp(`^Error: ${FILE}: lightstep\\.address: is required \\(got nothing\\)\\. Fix: .+`)],
    ['port 65536', 'lightstep:\n  address: satellite.lightstep:65536\n', undefined, new RegExp(`^Error: ${FILE}: lightstep\\.address: port "65536" .*Fix: .+`)],
    ['Istio 1.12 secure without a CA file', `istio:\n  release: "1.12"\n${SATELLITE}`, undefined,
      new RegExp(`^Error: ${FILE}: lightstep\\.caCertificateFile: a CA certificate is required when secure is true: .*mountPath "".*\\(got nothing\\)\\. Fix: .*lightstep\\.caCertificateFile.+`)],
    ['a private key as CA file', CA_FILE_CONFIG, 'test-only-private-key.pem',
      new RegExp(`^Error: ${FILE}: lightstep\\.caCertificateFile: the file holds a private key \\(got ".*ca\\.pem"\\)\\. Fix: .+`)],
    ['LIGHTSTEP_CONFIG names a missing file', undefined, undefined, /^Error: \S*missing\.yaml: \(configuration file\): cannot read the configuration file: no such file .*Fix: .+/],
  ];

  test.each(PROCESS_CASES)('%s', (_, config, caFixture, expected) => {
    const workspace = workspaceWithPreviousOutput();
    if (caFixture) fs.copyFileSync(path.join(CERTS, caFixture), path.join(workspace.inputDir, 'ca.pem'));
    const configFile = config === undefined ? path.join(workspace.inputDir, 'missing.yaml') : writeConfig(workspace, config);
    // Run from the workspace, so that its dist/ is the output folder.
    const run = runApp({ LIGHTSTEP_CONFIG: configFile }, path.dirname(workspace.inputDir));
    expect(run).toMatchObject({ status: 1, stdout: '' });
    expect(run.stderr).toMatch(expected);
    expect(run.stderr.endsWith('\n')).toBe(true);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expectPreviousOutputUntouched(workspace);
  });
});

test('a hand-made file with three independent problems, one of them cross-field, reports all three in one run, as a process', () => {
  const workspace = workspaceWithPreviousOutput();
  const configFile = writeConfig(workspace, [
    'istio:', '  release: "1.9"', 'lightstep:', '  address: satellite.lightstep:9292', '  secure: false',
    'tracing:', '  sampling: 150', 'bookinfo:', '  replicas: 0', '  ingress: gateway-api', '',
  ].join('\n'));
  const run = runApp({ LIGHTSTEP_CONFIG: configFile }, path.dirname(workspace.inputDir));
  expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 1, stdout: '' });
  expect(run.stderr.trimEnd().split('\n')).toEqual([
    `Error: ${configFile}: 3 problems:`,
    expect.stringMatching(/^  - tracing\.sampling: must be a number from 0 to 100 \(got 150\)\. Fix: /),
    expect.stringMatching(/^  - bookinfo\.replicas: must be a whole number from 1 to 100 \(got 0\)\. Fix: /),
    expect.stringMatching(/^  - bookinfo\.ingress: Istio 1\.9\.9 does not implement the Kubernetes Gateway API .*\(got "gateway-api"\)\. Fix: /),
  ]);
  expectPreviousOutputUntouched(workspace);
});

describe('the command line: --config FILE, nothing else', () => {
  const CONFIG = 'istio:\n  release: "1.9"\nlightstep:\n  address: lightstep-satellite.lightstep:8080\n  secure: false\n';

  test('--config FILE is used, over LIGHTSTEP_CONFIG, and the success line names it', () => {
    const workspace = workspaceWithPreviousOutput();
    const configFile = writeConfig(workspace, CONFIG, 'chosen.yaml');
    const run = runApp({ LIGHTSTEP_CONFIG: path.join(workspace.inputDir, 'not-this.yaml') }, path.dirname(workspace.inputDir), ['--config', configFile]);
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout.split('\n')[0]).toBe(`Synthesized Istio 1.9.9 LightStep tracing from ${configFile} into dist/:`);
    expect(listFiles(workspace.outputRoot)).toContain('istio/istio-operator.yaml');
  });

  test.each([
    ['a bare file name', ['examples/istio-1.9.yaml'], /^Error: unexpected argument "examples\/istio-1\.9\.yaml"\. The only argument is --config FILE, e\.g\. npm run synth -- --config examples\/istio-1\.9\.yaml/],
    ['an unknown option', ['--verbose'], /^Error: unexpected argument "--verbose"\. The only argument is --config FILE/],
    ['--config without a file', ['--config'], /^Error: --config needs a file/],
  ])('%s is refused with a message naming --config, and nothing is written', (_, args, expected) => {
    const workspace = workspaceWithPreviousOutput();
    const run = runApp({}, path.dirname(workspace.inputDir), args);
    expect(run).toMatchObject({ status: 1, stdout: '' });
    expect(run.stderr).toMatch(expected);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expectPreviousOutputUntouched(workspace);
  });
});
