import { AnalysisInput } from '../analysis-input';
import { describeObject } from '../manifest-set';

/**
 * Telemetry providers against the mesh config's extensionProviders: a Telemetry that names a provider the
 * mesh does not define sends nothing, silently. The provider's Service must exist and its port must be named
 * `grpc-*`, or Istio's protocol sniffing may not carry OTLP/gRPC.
 */
export function checkTelemetryProviders({ manifests, meshConfigs }: AnalysisInput): string[] {
  const errors: string[] = [];
  const providers = new Map<string, { provider: any; source: string }>();
  for (const { meshConfig, source } of meshConfigs) {
    for (const provider of meshConfig.extensionProviders ?? []) providers.set(provider.name, { provider, source });
  }
  const telemetries = manifests.objects.filter(({ manifest }) => manifest.kind === 'Telemetry' && String(manifest.apiVersion).startsWith('telemetry.istio.io/'));
  for (const { manifest } of telemetries) {
    for (const tracing of manifest.spec?.tracing ?? []) {
      for (const { name } of tracing.providers ?? []) {
        if (!providers.has(name)) {
          const known = [...providers.keys()];
          errors.push(`${describeObject(manifest)}: tracing provider ${JSON.stringify(name)} is not among the mesh config's extensionProviders (${known.length ? known.join(', ') : 'none defined'}), so no span would be sent. Fix: add it to meshConfig.extensionProviders or name ${known[0] ?? 'a defined provider'}`);
        }
      }
    }
  }
  for (const [name, { provider, source }] of providers) {
    const otel = provider.opentelemetry;
    if (!otel) continue;
    const [serviceName, namespace] = String(otel.service).split('.');
    const service = manifests.find('Service', namespace ?? 'default', serviceName);
    if (!service) {
      errors.push(`${source}: extension provider ${name} points at ${otel.service}, which is not a Service in this output. Fix: synthesize the collector Service or correct the provider's service`);
      continue;
    }
    const port = (service.manifest.spec?.ports ?? []).find((p: any) => p.port === otel.port);
    if (!port) {
      errors.push(`${source}: extension provider ${name} uses port ${otel.port}, which ${describeObject(service.manifest)} does not expose. Fix: use the Service's OTLP/gRPC port`);
    } else if (!String(port.name ?? '').startsWith('grpc')) {
      errors.push(`${describeObject(service.manifest)}: port ${otel.port} is named ${JSON.stringify(port.name)}; Istio selects the protocol by name prefix and needs grpc-*. Fix: name it grpc-otlp`);
    }
  }
  return errors;
}
