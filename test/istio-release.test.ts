import { ConfigurationError } from '../src/configuration-error';
import { IstioRelease, TracingGeneration } from '../src/istio-release';

describe('IstioRelease', () => {
  test.each([
    ['1.0', TracingGeneration.NONE],
    ['1.1', TracingGeneration.HELM_VALUES],
    ['1.5.10', TracingGeneration.HELM_VALUES],
    ['1.6.0', TracingGeneration.MESH_CONFIG],
    ['1.9.3', TracingGeneration.MESH_CONFIG],
    ['1.14.6', TracingGeneration.MESH_CONFIG],
    ['1.15.0', TracingGeneration.NONE],
    ['1.15.3', TracingGeneration.NONE],
    ['1.16.0', TracingGeneration.NONE],
    ['1.16.1', TracingGeneration.OPENTELEMETRY],
    ['1.16', TracingGeneration.OPENTELEMETRY],
    ['1.30', TracingGeneration.OPENTELEMETRY],
  ])('%s traces with %s', (text, generation) => {
    expect(IstioRelease.parse(text).tracingGeneration).toBe(generation);
  });

  test('API versions follow the release', () => {
    expect(IstioRelease.parse('1.21.6').networkingApiVersion).toBe('networking.istio.io/v1alpha3');
    expect(IstioRelease.parse('1.22.0').networkingApiVersion).toBe('networking.istio.io/v1');
    expect(IstioRelease.parse('1.16.1').telemetryApiVersion()).toBe('telemetry.istio.io/v1alpha1');
    expect(IstioRelease.parse('1.22').telemetryApiVersion()).toBe('telemetry.istio.io/v1');
    expect(IstioRelease.parse('1.16').gatewayApiVersion()).toBe('gateway.networking.k8s.io/v1beta1');
    expect(IstioRelease.parse('1.23.5').gatewayApiVersion()).toBe('gateway.networking.k8s.io/v1beta1');
    expect(IstioRelease.parse('1.24').gatewayApiVersion()).toBe('gateway.networking.k8s.io/v1');
    expect(() => IstioRelease.parse('1.15').gatewayApiVersion('bookinfo.ingress')).toThrow(/bookinfo.ingress.*1.16/);
    expect(() => IstioRelease.parse('1.9').telemetryApiVersion()).toThrow(/1.10/);
  });

  test('ingress port, gateway certificate mounts, images', () => {
    expect(IstioRelease.parse('1.18.7').ingressGatewayPort).toBe(80);
    expect(IstioRelease.parse('1.19').ingressGatewayPort).toBe(8080);
    expect(IstioRelease.parse('1.3').gatewaysMountCaCert).toBe(false);
    expect(IstioRelease.parse('1.4').gatewaysMountCaCert).toBe(true);
    expect(IstioRelease.parse('1.14').gatewaysMountCaCert).toBe(true);
    expect(IstioRelease.parse('1.20').gatewaysMountCaCert).toBe(false);
    expect(IstioRelease.parse('1.7').hasIstiodHelmChart).toBe(false);
    expect(IstioRelease.parse('1.8').hasIstiodHelmChart).toBe(true);
    expect(IstioRelease.parse('1.29').bookinfoImageRegistry).toBe('docker.io/istio');
    expect(IstioRelease.parse('1.30.3').bookinfoImageRegistry).toBe('registry.istio.io/release');
  });

  test('a release without LightStep support is refused with the reason and the fix', () => {
    expect(() => IstioRelease.parse('1.15.3').assertCanTraceToLightstep()).toThrow(ConfigurationError);
    expect(() => IstioRelease.parse('1.15.3').assertCanTraceToLightstep()).toThrow(/istio.release.*1\.15\.3.*without the LightStep tracer.*Fix: target Istio 1\.16\.1 or later/);
    expect(() => IstioRelease.parse('1.16.0').assertCanTraceToLightstep()).toThrow(/1\.16\.0/);
    expect(() => IstioRelease.parse('1.0').assertCanTraceToLightstep()).toThrow(/arrived in Istio 1\.1/);
    expect(() => IstioRelease.parse('1.16.1').assertCanTraceToLightstep()).not.toThrow();
  });

  test.each(['', '1', '1.x', 'latest', '1.9.3.1', '2.0', '0.8', '1.31', '1.9-beta'])('refuses %p', (text) => {
    expect(() => IstioRelease.parse(text)).toThrow(ConfigurationError);
  });

  test('a number read from unquoted YAML is refused with a hint to quote it', () => {
    expect(() => IstioRelease.parse(1.1 as unknown as string)).toThrow(/in quotes/);
  });

  test('normalizes and compares', () => {
    expect(IstioRelease.parse('v1.9.3').toString()).toBe('1.9.3');
    expect(IstioRelease.parse('1.16').compareTo(IstioRelease.parse('1.16.9'))).toBe(1);
    expect(IstioRelease.parse('1.9').compareTo(IstioRelease.parse('1.10'))).toBe(-1);
  });
});
