import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '../src/configuration-error';
import { CaCertificate } from '../src/tracing';

const certs = (name: string) => fileURLToPath(new URL(`./fixtures/certs/${name}`, import.meta.url));
const NOW = new Date('2030-06-01T00:00:00Z');

function refusal(read: () => unknown): ConfigurationError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('CaCertificate', () => {
  test('reads a valid CA: normalized PEM, subject, no warnings', () => {
    const certificate = CaCertificate.fromFile(certs('valid-ca.pem'), { now: NOW });
    expect(certificate.pem).toBe(readFileSync(certs('valid-ca.pem'), 'utf8'));
    expect(certificate.subjects).toEqual(['O=cdk8s-istio-lightstep tests, CN=Test Satellite Root CA']);
    expect(certificate.certificates[0].isCa).toBe(true);
    expect(certificate.source).toBe(certs('valid-ca.pem'));
    expect(certificate.warnings).toEqual([]);
    // The normalized PEM is still the same certificate.
    expect(new X509Certificate(certificate.pem).fingerprint256).toBe(certificate.certificates[0].fingerprint256);
  });

  test('uses the current time when none is injected', () => {
    expect(CaCertificate.fromFile(certs('valid-ca.pem')).warnings).toEqual([]);
    expect(CaCertificate.fromFile(certs('expired-ca.pem')).warnings.join()).toMatch(/expired/);
  });

  test('a chain of two CA certificates keeps both, in order', () => {
    const certificate = CaCertificate.fromFile(certs('chain.pem'), { now: NOW });
    expect(certificate.subjects).toEqual([
      'O=cdk8s-istio-lightstep tests, CN=Test Satellite Intermediate CA',
      'O=cdk8s-istio-lightstep tests, CN=Test Satellite Root CA',
    ]);
    expect(certificate.certificates[0].issuer).toBe(certificate.subjects[1]);
    expect(certificate.pem.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect(certificate.warnings).toEqual([]);
  });

  test('CRLF line endings and text around the blocks normalize to the same PEM', () => {
    const crlf = CaCertificate.fromFile(certs('valid-ca-crlf.pem'), { now: NOW });
    expect(crlf.pem).toBe(CaCertificate.fromFile(certs('valid-ca.pem'), { now: NOW }).pem);
    expect(crlf.pem).not.toMatch(/\r|Test Satellite Root CA\n-----BEGIN/);
    expect(crlf.pem.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
  });

  test('fromPem takes text and names its source', () => {
    const text = readFileSync(certs('valid-ca.pem'), 'utf8');
    expect(CaCertificate.fromPem(text, 'vault:satellite-ca', { now: NOW }).source).toBe('vault:satellite-ca');
    expect(CaCertificate.fromPem(text).source).toBe('<inline PEM>');
    expect(refusal(() => CaCertificate.fromPem('garbage', 'vault:x')).message).toMatch(/vault:x/);
  });

  test('warns, without refusing, about expired, not-yet-valid and non-CA certificates', () => {
    const expired = CaCertificate.fromFile(certs('expired-ca.pem'), { now: NOW });
    expect(expired.warnings).toHaveLength(1);
    expect(expired.warnings[0]).toMatch(/"CN=Test Expired CA, O=cdk8s-istio-lightstep tests" expired on 2021-01-01T00:00:00.000Z/);

    const future = CaCertificate.fromFile(certs('not-yet-valid-ca.pem'), { now: NOW });
    expect(future.warnings).toEqual([expect.stringMatching(/not valid before 2090-01-01/)]);
    // The same certificate is fine once its time has come, and expired after it.
    expect(CaCertificate.fromFile(certs('not-yet-valid-ca.pem'), { now: new Date('2095-01-01T00:00:00Z') }).warnings).toEqual([]);
    expect(CaCertificate.fromFile(certs('valid-ca.pem'), { now: new Date('2000-01-01T00:00:00Z') }).warnings[0]).toMatch(/not valid before/);

    const leaf = CaCertificate.fromFile(certs('leaf-not-ca.pem'), { now: NOW });
    expect(leaf.certificates[0].isCa).toBe(false);
    expect(leaf.warnings).toEqual([expect.stringMatching(/is not a CA certificate .*CA:FALSE/)]);
    expect(leaf.warnings[0]).toContain(certs('leaf-not-ca.pem'));
  });

  test.each([
    ['test-only-private-key.pem', /holds a private key/],
    ['cert-with-test-only-private-key.pem', /holds a private key/],
    ['valid-ca.der', /binary DER, not PEM/],
    ['truncated.pem', /no matching END line/],
    ['empty.pem', /is empty/],
    ['not-a-certificate.txt', /not a PEM certificate/],
    ['does-not-exist.pem', /no such file/],
    ['.', /a directory, not a file/],
  ])('refuses %s, naming the field, the path and the fix', (name, problem) => {
    const path = certs(name);
    const error = refusal(() => CaCertificate.fromFile(path));
    expect(error.message).toMatch(problem);
    expect(error.field).toBe('lightstep.caCertificateFile');
    expect(error.value).toBe(path);
    expect(error.fix.length).toBeGreaterThan(10);
  });

  test('the field named in errors can be chosen', () => {
    expect(refusal(() => CaCertificate.fromFile(certs('empty.pem'), { field: 'LightstepTracing.caCertificate' })).field).toBe('LightstepTracing.caCertificate');
  });

  test('a private key never reaches the error message', () => {
    const key = readFileSync(certs('test-only-private-key.pem'), 'utf8');
    const body = key.split('\n')[1];
    const error = refusal(() => CaCertificate.fromPem(key));
    expect(error.message).not.toContain(body);
    expect(error.message).toMatch(/rotate it/);
  });

  test('refuses damaged base64, other PEM block types and binary text', () => {
    const good = readFileSync(certs('valid-ca.pem'), 'utf8');
    const lines = good.split('\n');
    const damaged = [lines[0], lines[1], lines[2].slice(0, 20), lines[lines.length - 2], ''].join('\n');
    expect(refusal(() => CaCertificate.fromPem(damaged)).message).toMatch(/certificate 1 of 1 cannot be parsed/);
    expect(refusal(() => CaCertificate.fromPem(good.replace(lines[1], `${lines[1].slice(0, 10)}!!${lines[1].slice(12)}`))).message).toMatch(/not base64/);
    expect(refusal(() => CaCertificate.fromPem('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n')).message).toMatch(/"X509 CRL", not a CERTIFICATE/);
    expect(refusal(() => CaCertificate.fromPem(`${good}\u0000`)).message).toMatch(/binary/);
    expect(refusal(() => CaCertificate.fromPem('  \n\n')).message).toMatch(/empty/);
  });
});
