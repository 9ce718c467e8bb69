import { parseAppConfig } from '../charts/app-config';
import { ConfigFileError } from '../charts/config-reader';

const parse = (text: string) => parseAppConfig(text, 'lightstep.yaml', 'examples');
const minimal = 'lightstep:\n  address: satellite.lightstep:9292\n';

/** The ConfigFileError that parsing `text` throws. */
function rejection(text: string): ConfigFileError {
  try {
    parse(text);
  } catch (caught) {
    expect(caught).toBeInstanceOf(ConfigFileError);
    return caught as ConfigFileError;
  }
  throw new Error('expected the configuration to be refused');
}

/** Expects one problem, whose message names the file and the key, shows the value and gives a fix. */
function expectRejected(text: string, key: string, value: RegExp) {
  const error = rejection(text);
  expect(error.problems.map((problem) => problem.field)).toEqual([key]);
  expect(error.message.startsWith(`lightstep.yaml: ${key}:`)).toBe(true);
  expect(error.message).toMatch(value);
  expect(error.message).toMatch(/Fix: \S/);
}

describe('configuration file', () => {
  test('a short configuration parses, with every default filled in', () => {
    const config = parseAppConfig('lightstep:\n  address: lightstep-satellite.example:9292\n  caCertificateFile: examples/certs/example-ca.crt\n', 'lightstep.yaml', '.');
    expect(config.istio).toEqual({ release: '1.30', namespace: 'istio-system', revision: undefined, ingressGatewaySelector: { istio: 'ingressgateway' }, dataplaneMode: 'sidecar' });
    expect(config.lightstep).toEqual({
      address: 'lightstep-satellite.example:9292', secure: true, caCertificateFile: 'examples/certs/example-ca.crt', caCertificateFileAsWritten: 'examples/certs/example-ca.crt',
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
    ['top level is a list', '- a\n- b\n', '(top level)', /mapping/],
    ['unknown top-level key', `${minimal}tracng:\n  sampling: 5\n`, 'tracng', /did you mean tracing/],
    ['unknown nested key (typo)', `${minimal}  adres: x:1\n`, 'lightstep.adres', /did you mean lightstep.address/],
    ['misspelt required key: the typo, not "is required"', 'lightstep:\n  adress: x:1\n', 'lightstep.adress', /unknown key, did you mean lightstep\.address\?/],
    ['missing address', 'istio:\n  release: "1.30"\n', 'lightstep.address', /is required/],
    ['release as a number', `istio:\n  release: 1.10\n${minimal}`, 'istio.release', /number 1\.1\b.*quotes/],
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
    ['CA file missing: resolved against the configuration file\'s folder', `${minimal}  caCertificateFile: certs/none.crt\n`,
      'lightstep.caCertificateFile', /no such file: examples\/certs\/none\.crt.*read from the folder of lightstep\.yaml/],
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

  test('values the library checks (address, namespaces) are reported in the same run as the others', () => {
    const error = rejection([
      'istio:', '  namespace: Istio_System', 'lightstep:', '  address: satellites acme', 'tracing:', '  sampling: 150',
      '  collector:', '    namespace: obs.ervability', 'bookinfo:', '  namespace: Shop_Bad', '',
    ].join('\n'));
    expect(error.problems.map((problem) => problem.field)).toEqual(expect.arrayContaining([
      'istio.namespace', 'lightstep.address', 'tracing.sampling', 'tracing.collector.namespace', 'bookinfo.namespace',
    ]));
    expect(error.problems).toHaveLength(5);
  });

  test('every problem of the file in one run: unknown keys first, each naming its key, and the file named once', () => {
    const error = rejection([
      'istio:', '  release: "2.0"', 'lightstep:', '  adress: satellite.lightstep:9292', '  secure: "yes"',
      'tracing:', '  sampling: 150', 'bookinfo:', '  namespce: shop', '  replicas: 0', '',
    ].join('\n'));
    expect(error.problems.map((problem) => problem.field)).toEqual([
      'lightstep.adress', 'bookinfo.namespce', 'istio.release', 'lightstep.secure', 'tracing.sampling', 'bookinfo.replicas',
    ]);
    expect(error.message.split('\n')[0]).toBe('lightstep.yaml: 6 problems:');
    expect(error.message).toContain('lightstep.adress: unknown key, did you mean lightstep.address?');
    expect(error.message).toContain('bookinfo.namespce: unknown key, did you mean bookinfo.namespace?');
    expect(error.message).not.toMatch(/lightstep\.address: is required/);
    for (const problem of error.problems) expect(problem.message).toMatch(/\(got .+\)\. Fix: \S/);
  });

  test('a cross-field problem comes in the same run as the others, and shows its own value', () => {
    const error = rejection([
      'istio:', '  release: "1.9"', 'lightstep:', '  address: satellite.lightstep:9292', '  secure: false',
      'tracing:', '  sampling: 150', 'bookinfo:', '  replicas: 0', '  ingress: gateway-api', '',
    ].join('\n'));
    expect(error.problems.map((problem) => problem.field)).toEqual(['tracing.sampling', 'bookinfo.replicas', 'bookinfo.ingress']);
    const ingress = error.problems[2];
    expect(ingress.message).toMatch(/^bookinfo\.ingress: .*Gateway API.*\(got "gateway-api"\)\. Fix: \S/);
    expect(ingress.message).not.toContain('(got "1.9")');
  });

  test('the constructs\' own checks of several keys come together, each under its key with the value the file gives', () => {
    const error = rejection([
      'istio:', '  release: "1.1"', '  revision: canary', 'lightstep:', '  address: satellite.lightstep:9292', '  secure: false',
      '  cacertPath: cacert.pem', 'bookinfo:', '  reviewsVersions: [v1, v2]', '  routing: reviews-v3', '  imageTag: "1.20 3"', '',
    ].join('\n'));
    expect(error.problems.map((problem) => problem.field).sort()).toEqual(['bookinfo.imageTag', 'bookinfo.routing', 'istio.revision', 'lightstep.cacertPath']);
    const shown = Object.fromEntries(error.problems.map((problem) => [problem.field, problem.value]));
    expect(shown).toEqual({ 'bookinfo.imageTag': '1.20 3', 'bookinfo.routing': 'reviews-v3', 'istio.revision': 'canary', 'lightstep.cacertPath': 'cacert.pem' });
    for (const problem of error.problems) expect(problem.message).toMatch(/\(got .+\)\. Fix: \S/);
    expect(error.message).not.toMatch(/\b(LightstepTracing|MeshNamespace|Bookinfo|BookinfoIngress|BookinfoRouting|OtelCollector)\.\w/);
  });

  test('a release the constructs refuse (1.0) is reported with the other problems, showing the release as written', () => {
    const error = rejection(`istio:\n  release: "1.0"\n${minimal}tracing:\n  sampling: 150\n`);
    expect(error.problems.map((problem) => problem.field)).toEqual(['tracing.sampling', 'istio.release']);
    expect(error.problems[1].message).toMatch(/arrived in Istio 1\.1\) \(got "1\.0"\)/);
  });

  test.each([
    ['an unclosed flow sequence', 'lightstep:\n  address: [satellite.lightstep:9292\n',
      /^lightstep\.yaml: line 3, column 1 \(the end of the file\): not valid YAML: unexpected end of the stream within a flow collection \(got "  address: \[satellite\.lightstep:9292"\)\. Fix: \S/],
    ['a tab in the indentation', 'lightstep:\n\taddress: satellite.lightstep:9292\n',
      /^lightstep\.yaml: line 2, column 1: not valid YAML: tab characters must not be used in indentation \(got "\\taddress: satellite\.lightstep:9292"\)\. Fix: \S/],
    ['an unclosed quote', 'istio:\n  release: "1.9\n',
      /^lightstep\.yaml: line 3, column 1 \(the end of the file\): not valid YAML: unexpected end of the stream within a double quoted scalar \(got "  release: \\"1\.9"\)/],
    ['a bad indentation', 'lightstep:\n  address: x:1\n   secure: false\n',
      /^lightstep\.yaml: line 3, column 10: not valid YAML: bad indentation of a mapping entry \(got "   secure: false"\)/],
  ])('YAML syntax error (%s): the line and column, the text of that line, and the fix', (_, text, expected) => {
    const error = rejection(text);
    expect(error.problems).toHaveLength(1);
    expect(error.message).toMatch(expected);
    expect(error.message).not.toContain('(got nothing)');
  });
});
