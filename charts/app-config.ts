import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { IstioRelease } from '../src';
import { ConfigurationError } from '../src/configuration-error';
import { parseAddress } from '../src/tracing/_address';
import { assertNamespaceName } from '../src/tracing/_names';
import { ConfigFileError, ConfigProblems, ConfigSection } from './config-reader';
import { constructProblems } from './construct-checks';

/** Data plane modes, as written in the configuration file. */
export const DATAPLANE_MODES = ['sidecar', 'ambient'] as const;
/** Ingress choices, as written in the configuration file. */
export const INGRESS_KINDS = ['istio-gateway', 'gateway-api', 'none'] as const;
/** Routing scenarios of Istio's Bookinfo task, as written in the configuration file. */
export const ROUTING_SCENARIOS = ['none', 'all-v1', 'reviews-test-v2', 'reviews-50-v3', 'reviews-v3'] as const;
/**
 * The address read in place of a missing or wrong one, so that the constructs' checks of the other keys still run.
 * It is never written: a file with a problem synthesizes nothing.
 */
const STAND_IN_ADDRESS = 'lightstep-satellite.invalid:9292';

/** Where the access token comes from at install time: exactly one of these is set. */
export interface AccessTokenConfig {
  /** Shell variable holding the token when the install commands run. */
  readonly env?: string;
  /** An existing Secret, created out of band. */
  readonly secret?: { readonly name: string; readonly key: string };
  /** The token itself; only with lightstep.allowLiteralAccessToken: true. */
  readonly literal?: string;
}

/** The whole app configuration, with every default filled in. */
export interface AppConfig {
  readonly istio: {
    readonly release: string;
    readonly namespace: string;
    readonly revision?: string;
    readonly ingressGatewaySelector: Record<string, string>;
    readonly dataplaneMode: typeof DATAPLANE_MODES[number];
  };
  readonly lightstep: {
    readonly address: string;
    readonly secure: boolean;
    /** Absolute or working-directory-relative path of the CA file, resolved against the config file's folder. */
    readonly caCertificateFile?: string;
    /** lightstep.caCertificateFile as the file says it, for messages. */
    readonly caCertificateFileAsWritten?: string;
    readonly cacertPath: string;
    readonly accessToken: AccessTokenConfig;
  };
  readonly tracing: {
    readonly sampling: number;
    readonly providerName: string;
    readonly collector: { readonly namespace: string; readonly image?: string };
  };
  readonly bookinfo: {
    readonly enabled: boolean;
    readonly namespace: string;
    readonly ingress: typeof INGRESS_KINDS[number];
    readonly routing: typeof ROUTING_SCENARIOS[number];
    readonly mutualTls: boolean;
    readonly reviewsVersions: string[];
    readonly replicas: number;
    readonly imageRegistry?: string;
    readonly imageTag?: string;
    readonly restrictedPodSecurity: boolean;
  };
}

/**
 * Parses and checks a configuration file's text. Relative file paths in it are resolved against `baseDir`
 * (the folder of the configuration file), and `source` names the file in every message. Every problem of
 * the file is reported at once, in a ConfigFileError: the file's own (syntax, types, ranges, unknown keys) and
 * what the constructs built from it would refuse (cross-field checks included), each under its key.
 */
export function parseAppConfig(text: string, source: string, baseDir: string): AppConfig {
  const document = parseYaml(text, source);
  const problems = new ConfigProblems(source);
  const config = readDocument(document, problems, baseDir, source);
  const ignored = () => new ConfigProblems(source);
  for (const problem of constructProblems(document, (probe) => readDocument(probe, ignored(), baseDir, source), problems.keys())) {
    problems.addInvalid(problem);
  }
  problems.throwIfAny();
  return config;
}

/** The file's YAML, or a ConfigFileError that names the line and column of the syntax error and shows that line. */
function parseYaml(text: string, source: string): unknown {
  try {
    return yaml.load(text, { filename: source, schema: yaml.CORE_SCHEMA });
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) throw error;
    const lines = text.split(/\r?\n/);
    const atEnd = error.mark.position >= text.length;
    const where = `line ${error.mark.line + 1}, column ${error.mark.column + 1}${atEnd ? ' (the end of the file)' : ''}`;
    // At the end of the file the problem began on the last line with text (an unclosed bracket or quote).
    const shown = atEnd ? [...lines].reverse().find((line) => line.trim() !== '') ?? '' : lines[error.mark.line];
    throw new ConfigFileError(source, [new ConfigurationError(where, shown.trimEnd(), `not valid YAML: ${error.reason}`,
      `correct the YAML there: indent with spaces, not tabs; close every [, { and quote; quote a value that holds ": " or starts with a special character`)]);
  }
}

/** Reads a parsed configuration file into an AppConfig, with defaults for what it leaves out or gets wrong. */
function readDocument(document: unknown, problems: ConfigProblems, baseDir: string, source: string): AppConfig {
  const root = new ConfigSection('', document, problems);
  const config = readConfig(root, baseDir, source);
  root.done();
  return config;
}

function readConfig(root: ConfigSection, baseDir: string, source: string): AppConfig {
  const istio = root.section('istio');
  const releaseValue = readRelease(istio);
  const istioConfig = {
    release: releaseValue,
    namespace: istio.string('namespace', 'istio-system', 'name the Istio root namespace, e.g. istio-system'),
    revision: istio.string('revision', undefined, 'give the istio.io/rev revision name, e.g. 1-30-3, or remove the key'),
    ingressGatewaySelector: istio.stringMap('ingressGatewaySelector', { istio: 'ingressgateway' },
      'give the ingress gateway pod labels, e.g. {istio: ingressgateway} (istioctl) or {istio: ingress} (Helm gateway chart)'),
    dataplaneMode: istio.oneOf('dataplaneMode', DATAPLANE_MODES, 'sidecar'),
  };
  // The library's own checks of single values, run here so that one run reports them with the file's other problems.
  istio.checked('namespace', istioConfig.namespace, assertNamespaceName);
  istio.done();

  const lightstep = root.section('lightstep');
  const address = lightstep.requiredString('address', 'give the satellite pool as host:port, e.g. lightstep-satellite.lightstep:9292 or ingest.lightstep.com:443');
  const lightstepConfig = {
    address: address !== undefined && lightstep.checked('address', address, parseAddress) ? address : STAND_IN_ADDRESS,
    secure: lightstep.boolean('secure', true),
    caCertificateFile: readCaFile(lightstep, baseDir, source),
    caCertificateFileAsWritten: lightstep.has('caCertificateFile') ? String(lightstep.peek('caCertificateFile')) : undefined,
    cacertPath: lightstep.string('cacertPath', '/etc/lightstep/cacert.pem', 'give an absolute path ending in the key name, e.g. /etc/lightstep/cacert.pem'),
    accessToken: readAccessToken(lightstep),
  };
  lightstep.done();

  const tracing = root.section('tracing');
  const collector = tracing.section('collector');
  const tracingConfig = {
    sampling: tracing.number('sampling', 100, { min: 0, max: 100, fix: 'give a percentage from 0 to 100; LightStep advises 100' }),
    providerName: tracing.string('providerName', 'lightstep', 'name the mesh extension provider, e.g. lightstep'),
    collector: {
      namespace: collector.string('namespace', 'observability', 'name the collector namespace, e.g. observability'),
      image: collector.string('image', undefined, 'give a pinned collector image, e.g. otel/opentelemetry-collector-contrib:<version>'),
    },
  };
  collector.checked('namespace', tracingConfig.collector.namespace, assertNamespaceName);
  collector.done();
  tracing.done();

  const bookinfo = root.section('bookinfo');
  const bookinfoConfig = {
    enabled: bookinfo.boolean('enabled', true),
    namespace: bookinfo.string('namespace', 'default', 'name the Bookinfo namespace, e.g. default or bookinfo'),
    // Ambient mode installs no Istio ingress gateway: its Bookinfo comes in through the Gateway API unless told otherwise.
    ingress: bookinfo.oneOf('ingress', INGRESS_KINDS, istioConfig.dataplaneMode === 'ambient' ? 'gateway-api' : 'istio-gateway'),
    routing: bookinfo.oneOf('routing', ROUTING_SCENARIOS, 'none'),
    mutualTls: bookinfo.boolean('mutualTls', false),
    reviewsVersions: bookinfo.stringList('reviewsVersions', ['v1', 'v2', 'v3'], 'list the reviews versions to deploy, e.g. [v1, v2, v3]'),
    replicas: bookinfo.number('replicas', 1, { min: 1, max: 100, integer: true, fix: 'give a whole number of replicas from 1 to 100' }),
    imageRegistry: bookinfo.string('imageRegistry', undefined, 'give the registry prefix of the Bookinfo images, e.g. my-mirror.example.com/istio'),
    imageTag: bookinfo.string('imageTag', undefined, 'give the Bookinfo image tag, e.g. 1.20.3'),
    restrictedPodSecurity: bookinfo.boolean('restrictedPodSecurity', false),
  };
  bookinfo.checked('namespace', bookinfoConfig.namespace, assertNamespaceName);
  bookinfo.done();

  return { istio: istioConfig, lightstep: lightstepConfig, tracing: tracingConfig, bookinfo: bookinfoConfig };
}

/**
 * The CA file's path, resolved against the configuration file's folder and shown relative to the working
 * directory; a file that is not there is reported here, with the folder it was looked for in.
 */
function readCaFile(lightstep: ConfigSection, baseDir: string, source: string): string | undefined {
  const caFile = lightstep.string('caCertificateFile', undefined, 'give the path of the PEM CA certificate of the satellites, e.g. certs/satellites-ca.crt');
  if (caFile === undefined) return undefined;
  const resolved = path.relative(process.cwd(), path.resolve(baseDir, caFile)) || caFile;
  const problem = !fs.existsSync(resolved) ? `no such file: ${resolved}` : fs.statSync(resolved).isDirectory() ? `a directory, not a file: ${resolved}` : undefined;
  if (problem) {
    lightstep.report('caCertificateFile', caFile, problem,
      `give the PEM file of the CA certificate; a relative path is read from the folder of ${source} (${path.resolve(baseDir)}), so put it there or give its path relative to that folder`);
    return undefined;
  }
  return resolved;
}

function readRelease(istio: ConfigSection): string {
  // Unquoted, 1.10 is the number 1.1: the string check catches it, and the fix says why.
  const fix = `write the release in quotes (unquoted, 1.10 is read as the number 1.1), e.g. release: "${IstioRelease.NEWEST_KNOWN}" or "1.9.3"`;
  const release = istio.string('release', IstioRelease.NEWEST_KNOWN, fix);
  // IstioRelease.of names itself in its errors: the reader restates them under istio.release.
  return istio.checked('release', release, (_, text) => { IstioRelease.of(text); }) ? release : IstioRelease.NEWEST_KNOWN;
}

function readAccessToken(lightstep: ConfigSection): AccessTokenConfig {
  const env = lightstep.string('accessTokenEnv', undefined, 'name the shell variable that holds the token, e.g. LIGHTSTEP_ACCESS_TOKEN');
  const secretSection = lightstep.has('accessTokenSecret') ? lightstep.section('accessTokenSecret') : undefined;
  const literal = lightstep.string('accessToken', undefined, 'prefer accessTokenEnv; a literal token needs allowLiteralAccessToken: true');
  const allowLiteral = lightstep.boolean('allowLiteralAccessToken', false);
  if (!secretSection) lightstep.section('accessTokenSecret');
  const chosen = [env, secretSection, literal].filter((x) => x !== undefined).length;
  if (chosen > 1) {
    lightstep.report('accessTokenEnv', env, 'accessTokenEnv, accessTokenSecret and accessToken are alternatives', 'keep exactly one of them');
  }
  if (env !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) {
    lightstep.report('accessTokenEnv', env, 'is not a valid shell variable name', 'use letters, digits and underscores, not starting with a digit, e.g. LIGHTSTEP_ACCESS_TOKEN');
  }
  if (literal !== undefined && !allowLiteral) {
    lightstep.report('accessToken', '(hidden)', 'a literal token would be written into generated files that are meant to be committed',
      'use accessTokenEnv: LIGHTSTEP_ACCESS_TOKEN (the token is then read from your shell at install time), or set allowLiteralAccessToken: true if you really want it in the files');
  }
  if (secretSection) {
    const name = secretSection.requiredString('name', 'name the existing Secret that holds the token');
    const key = secretSection.string('key', 'access_token', 'name the key of the token in that Secret');
    secretSection.done();
    return { secret: { name: name ?? '', key } };
  }
  if (literal !== undefined) return { literal };
  return { env: env ?? 'LIGHTSTEP_ACCESS_TOKEN' };
}
