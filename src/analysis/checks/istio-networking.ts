import { AnalysisInput } from '../analysis-input';
import { describeObject, ManifestSet, namespaceOf, PlacedObject } from '../manifest-set';

const MESH_GATEWAY = 'mesh';

/** Resolves an Istio host ("reviews", "reviews.shop", "reviews.shop.svc.cluster.local") to a synthesized Service. */
function serviceForHost(manifests: ManifestSet, host: string, fromNamespace: string): PlacedObject | undefined {
  const parts = host.split('.');
  if (parts.length === 1) return manifests.find('Service', fromNamespace, host);
  if (parts.length === 2 || host.endsWith('.svc.cluster.local') || (parts.length === 3 && parts[2] === 'svc')) {
    return manifests.find('Service', parts[1], parts[0]);
  }
  return undefined;
}

function isIstioNetworking(manifest: any, kind: string): boolean {
  return manifest.kind === kind && String(manifest.apiVersion).startsWith('networking.istio.io/');
}

/** DestinationRule hosts, and VirtualService gateways, hosts, ports and subsets, as `istioctl analyze` reads them. */
export function checkIstioRouting({ manifests }: AnalysisInput): string[] {
  const errors: string[] = [];
  const destinationRules = manifests.objects.filter((o) => isIstioNetworking(o.manifest, 'DestinationRule'));
  const subsetsByService = new Map<PlacedObject, Map<string, Record<string, string>>>();
  for (const { manifest } of destinationRules) {
    const service = serviceForHost(manifests, manifest.spec?.host, namespaceOf(manifest));
    if (!service) {
      errors.push(`${describeObject(manifest)}: host ${JSON.stringify(manifest.spec?.host)} is not a Service in this output. Fix: name a Service synthesized here (short name in the same namespace, or <name>.<namespace>.svc.cluster.local)`);
      continue;
    }
    const subsets = subsetsByService.get(service) ?? new Map<string, Record<string, string>>();
    for (const subset of manifest.spec?.subsets ?? []) subsets.set(subset.name, subset.labels ?? {});
    subsetsByService.set(service, subsets);
  }

  for (const { manifest } of manifests.objects.filter((o) => isIstioNetworking(o.manifest, 'VirtualService'))) {
    const what = describeObject(manifest);
    const namespace = namespaceOf(manifest);
    const gateways: string[] = manifest.spec?.gateways ?? [];
    for (const gateway of gateways) {
      if (gateway === MESH_GATEWAY) continue;
      const [gatewayNamespace, gatewayName] = gateway.includes('/') ? gateway.split('/') : [namespace, gateway];
      const found = manifests.find('Gateway', gatewayNamespace, gatewayName);
      if (!found || !isIstioNetworking(found.manifest, 'Gateway')) {
        errors.push(`${what}: gateway ${JSON.stringify(gateway)} is not an Istio Gateway in this output. Fix: synthesize Gateway ${gatewayNamespace}/${gatewayName} or correct the name`);
      }
    }
    const boundToMeshOnly = gateways.length === 0 || gateways.every((g) => g === MESH_GATEWAY);
    if (boundToMeshOnly) {
      for (const host of manifest.spec?.hosts ?? []) {
        if (!serviceForHost(manifests, host, namespace)) {
          errors.push(`${what}: mesh host ${JSON.stringify(host)} is not a Service in this output. Fix: route a Service synthesized here`);
        }
      }
    }
    for (const route of manifest.spec?.http ?? []) {
      for (const { destination } of route.route ?? []) {
        const service = serviceForHost(manifests, destination?.host, namespace);
        if (!service) {
          errors.push(`${what}: destination host ${JSON.stringify(destination?.host)} is not a Service in this output. Fix: route to a Service synthesized here`);
          continue;
        }
        const ports: any[] = service.manifest.spec?.ports ?? [];
        if (destination.port?.number !== undefined && !ports.some((p) => p.port === destination.port.number)) {
          errors.push(`${what}: destination ${destination.host} port ${destination.port.number} is not a port of ${describeObject(service.manifest)}. Fix: use one of ${ports.map((p) => p.port).join(', ')}`);
        }
        if (destination.subset === undefined) continue;
        const subsetLabels = subsetsByService.get(service)?.get(destination.subset);
        if (!subsetLabels) {
          errors.push(`${what}: subset ${JSON.stringify(destination.subset)} of ${destination.host} is defined by no DestinationRule. Fix: add the subset to the DestinationRule of ${destination.host}`);
          continue;
        }
        const selector = { ...service.manifest.spec?.selector, ...subsetLabels };
        if (manifests.podsSelectedBy(namespaceOf(service.manifest), selector).length === 0) {
          errors.push(`${what}: subset ${destination.subset} of ${destination.host} (${JSON.stringify(selector)}) matches no deployed pod. Fix: deploy that version or route elsewhere`);
        }
      }
    }
  }
  return errors;
}
