import { ConfigurationError } from '../src/configuration-error';
import { DEFAULT_CONFIG_YAML, parseAppConfig } from '../charts/app-config';

const parse = (text: string) => parseAppConfig(text, 'lightstep.yaml', 'examples');
const minimal = 'lightstep:\n  address: satellite.lightstep:9292\n';

/** Expects a ConfigurationError whose message names the key, shows the value and gives a fix. */
function expectRejected(text: string, key: string, value: RegExp) {
  let error: unknown;
  try {
    parse(text);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigurationError);
  const message = (error as Error).message;
  expect(message.startsWith(`${key}:`)).toBe(true);
  expect(message).toMatch(value);
  expect(message).toMatch(/Fix: \S/);
}

describe('configuration file', () => {
  test('the built-in default parses, with every default filled in', () => {
    const config = parseAppConfig(DEFAULT_CONFIG_YAML, 'default', '.');
    expect(config.istio).toEqual({ release: '1.30', namespace: 'istio-system', revision: undefined, ingressGatewaySelector: { istio: 'ingressgateway' } });
    expect(config.lightstep).toEqual({
      address: 'lightstep-satellite.lightstep:9292', secure: true, caCertificateFile: 'examples/certs/example-ca.crt',
      cacertPath: '/etc/lightstep/cacert.pem', accessToken: { env: 'LIGHTSTEP_ACCESS_TOKEN' },
    });
    expect(config.tracing).toEqual({ sampling: 100, providerName: 'lightstep', collector: { namespace: 'observability', image: undefined } });
    expect(config.bookinfo).toMatchObject({ enabled: true, namespace: 'default', ingress: 'istio-gateway', routing: 'none', reviewsVersions: ['v1', 'v2', 'v3'], replicas: 1 });
  });

  test('a relative CA file is read from the configuration file\'s folder', () => {
    expect(parse(`${minimal}  caCertificateFile: certs/example-ca.crt\n`).lightstep.caCertificateFile).toBe('examples/certs/example-ca.crt');
  });

  test('token sources', () => {
    expect(parse(`${minimal}  accessTokenSecret: {name: ls-token}\n`).lightstep.accessToken).toEqual({ secret: { name: 'ls-token', key: 'access_token' } });
    expect(parse(`${minimal}  accessToken: abc\n  allowLiteralAccessToken: true\n`).lightstep.accessToken).toEqual({ literal: 'abc' });
  });

  test('YAML 1.2 core schema: yes/no/on/off stay strings', () => {
    expectRejected(`${minimal}  secure: yes\n`, 'lightstep.secure', /"yes"/);
  });

  test.each([
    ['YAML syntax error', 'istio:\n  release: "1.9\n', 'lightstep.yaml', /not valid YAML/],
    ['top level is a list', '- a\n- b\n', '(top level)', /mapping/],
    ['unknown top-level key', `${minimal}tracng:\n  sampling: 5\n`, 'tracng', /did you mean tracing/],
    ['unknown nested key (typo)', `${minimal}  adress: x:1\n`, 'lightstep.adress', /did you mean lightstep.address/],
    ['missing address', 'istio:\n  release: "1.9"\n', 'lightstep.address', /is required/],
    ['release as a number', `istio:\n  release: 1.10\n${minimal}`, 'istio.release', /1\.1.*quotes/],
    ['malformed release', `istio:\n  release: "one.nine"\n${minimal}`, 'istio.release', /not an Istio release/],
    ['unsupported release', `istio:\n  release: "2.0"\n${minimal}`, 'istio.release', /outside the releases/],
    ['secure as a string', `${minimal}  secure: "true"\n`, 'lightstep.secure', /true or false/],
    ['sampling -1', `${minimal}tracing:\n  sampling: -1\n`, 'tracing.sampling', /from 0 to 100/],
    ['sampling 101', `${minimal}tracing:\n  sampling: 101\n`, 'tracing.sampling', /from 0 to 100/],
    ['sampling NaN', `${minimal}tracing:\n  sampling: .nan\n`, 'tracing.sampling', /NaN/],
    ['sampling as text', `${minimal}tracing:\n  sampling: all\n`, 'tracing.sampling', /expected a number/],
    ['empty token env name', `${minimal}  accessTokenEnv: ""\n`, 'lightstep.accessTokenEnv', /empty/],
    ['token env name with a dash', `${minimal}  accessTokenEnv: LS-TOKEN\n`, 'lightstep.accessTokenEnv', /shell variable/],
    ['literal token without opt-in', `${minimal}  accessToken: secret-value\n`, 'lightstep.accessToken', /committed/],
    ['two token sources', `${minimal}  accessTokenEnv: A\n  accessTokenSecret: {name: s}\n`, 'lightstep.accessTokenEnv', /alternatives/],
    ['token Secret without a name', `${minimal}  accessTokenSecret: {key: k}\n`, 'lightstep.accessTokenSecret.name', /required/],
    ['unknown ingress', `${minimal}bookinfo:\n  ingress: nginx\n`, 'bookinfo.ingress', /istio-gateway, gateway-api, none/],
    ['unknown routing scenario', `${minimal}bookinfo:\n  routing: canary\n`, 'bookinfo.routing', /all-v1/],
    ['replicas 0', `${minimal}bookinfo:\n  replicas: 0\n`, 'bookinfo.replicas', /from 1 to 100/],
    ['replicas 1.5', `${minimal}bookinfo:\n  replicas: 1.5\n`, 'bookinfo.replicas', /whole number/],
    ['reviewsVersions not a list', `${minimal}bookinfo:\n  reviewsVersions: v1\n`, 'bookinfo.reviewsVersions', /list of strings/],
    ['selector not a map', `istio:\n  ingressGatewaySelector: ingressgateway\n${minimal}`, 'istio.ingressGatewaySelector', /mapping of strings/],
    ['section is a scalar', `${minimal}bookinfo: yes\n`, 'bookinfo', /mapping/],
  ])('%s', (_, text, key, value) => {
    expectRejected(text, key, value);
  });
});
