/**
 * The native tracer's TLS to a satellite pool that sits behind a load balancer routing by SNI: the facts come from
 * the release's own bootstrap code (test/fixtures/verify/upstream/istio).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { CaCertificate, IstioRelease, LightstepTracing } from '../src';

const UPSTREAM = path.join('test', 'fixtures', 'verify', 'upstream', 'istio');
const CA = CaCertificate.fromFile(path.join('test', 'fixtures', 'certs', 'valid-ca.pem'));

function tracingOf(release: string, address: string): LightstepTracing {
  return new LightstepTracing(new Chart(new App(), 'chart'), 'tracing', { istioRelease: IstioRelease.of(release), address, caCertificate: CA });
}

describe('SNI of the tracer\'s TLS (Istio 1.6-1.14)', () => {
  test.each(['1.6.0', '1.9.9', '1.14.6'])('Istio %s: the bootstrap sends tlsSettings.sni and no other name in SIMPLE mode, so the mesh config names the satellite host', (tag) => {
    const convert = fs.readFileSync(path.join(UPSTREAM, `${tag}-convert.go`), 'utf8');
    const simple = convert.slice(convert.indexOf('case networkingAPI.ClientTLSSettings_SIMPLE:'), convert.indexOf('case networkingAPI.ClientTLSSettings_MUTUAL'));
    expect(simple).toMatch(/Sni(:|\s*=)\s*tls\.Sni/);
    expect(simple).not.toMatch(/sniName/);
    const tracing = tracingOf(tag, 'satellites.lightstep.internal:9292');
    expect(tracing.meshConfig?.defaultConfig.tracing.tlsSettings).toEqual({ mode: 'SIMPLE', caCertificates: '/etc/lightstep/cacert.pem', sni: 'satellites.lightstep.internal' });
  });

  test('an IP address is no server name: no SNI is sent', () => {
    expect(tracingOf('1.9.9', '203.0.113.5:9292').meshConfig?.defaultConfig.tracing.tlsSettings.sni).toBeUndefined();
  });

  test.each(['1.1.17', '1.5.10'])('Istio %s: the bootstrap\'s lightstep cluster has no SNI, which the README says', (tag) => {
    const bootstrap = fs.readFileSync(path.join(UPSTREAM, `${tag}-envoy_bootstrap_v2.json`), 'utf8');
    const cluster = bootstrap.slice(bootstrap.indexOf('"name": "lightstep"'), bootstrap.indexOf('"hosts"', bootstrap.indexOf('"name": "lightstep"')));
    expect(cluster).toContain('"tls_context"');
    expect(cluster).not.toMatch(/sni/i);
    expect(fs.readFileSync('README.md', 'utf8')).toMatch(/Istio 1\.1 - 1\.5 send no SNI/);
  });
});

describe('where the CA is read, as the README\'s configuration reference says', () => {
  test('lightstep.cacertPath moves the sidecars\' CA on 1.1-1.14; the collector reads its CA at /etc/lightstep/cacert.pem whatever it says', () => {
    const native = new LightstepTracing(new Chart(new App(), 'chart'), 'tracing', {
      istioRelease: IstioRelease.of('1.9.9'), address: 'satellite:9292', caCertificate: CA, cacertPath: '/opt/ca/root.pem',
    });
    expect(native.meshConfig?.defaultConfig.tracing.tlsSettings.caCertificates).toBe('/opt/ca/root.pem');
    const collector = new LightstepTracing(new Chart(new App(), 'chart'), 'tracing', {
      istioRelease: IstioRelease.of('1.30.3'), address: 'satellite:9292', caCertificate: CA, cacertPath: '/opt/ca/root.pem',
    }).collector!;
    const caFile: string = collector.config.exporters.otlp.tls.ca_file;
    const row = fs.readFileSync('README.md', 'utf8').split('\n').find((line) => line.startsWith('| `lightstep.cacertPath`'))!;
    expect(row).toContain('1.1 - 1.14');
    expect(row).toContain(`The collector (1.15+) reads its CA at \`${caFile}\``);
    expect(caFile).not.toBe('/opt/ca/root.pem');
  });
});

describe('tracing.sampling 0 where the mesh config carries the rate (Istio 1.6-1.16.0)', () => {
  test.each([['1.9.9', 'listener.go'], ['1.15.7', 'tracing.go']])('Istio %s: Pilot reads 0 as unset (%s), so 0 is refused rather than sampled at Pilot\'s default', (release, file) => {
    const pilot = fs.readFileSync(path.join(UPSTREAM, `${release}-${file}.excerpt`), 'utf8');
    expect(pilot).toMatch(/if config\.Tracing != nil && config\.Tracing\.Sampling != 0\.0 \{\n\s+sampling = config\.Tracing\.Sampling/);
    expect(() => new LightstepTracing(new Chart(new App(), 'chart'), 'tracing', {
      istioRelease: IstioRelease.of(release), address: 'satellite:9292', caCertificate: CA, sampling: 0,
    })).toThrow(/LightstepTracing\.sampling: .*reads a sampling of 0 as unset/);
  });

  test.each(['1.4.10', '1.30.3'])('Istio %s takes 0 as it is (pilot.traceSampling, the Telemetry\'s randomSamplingPercentage)', (release) => {
    const tracing = new LightstepTracing(new Chart(new App(), 'chart'), 'tracing', { istioRelease: IstioRelease.of(release), address: 'satellite:9292', caCertificate: CA, sampling: 0 });
    expect(tracing.sampling).toBe(0);
  });
});
