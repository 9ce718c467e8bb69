import { AnalysisInput } from '../analysis-input';
import { describeObject, namespaceOf } from '../manifest-set';

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** HTTPRoute parentRefs (Gateways and, for mesh routing, Services) and backendRefs, as a Gateway controller resolves them. */
export function checkGatewayApiRoutes({ manifests }: AnalysisInput): string[] {
  const errors: string[] = [];
  const routes = manifests.objects.filter(({ manifest }) => manifest.kind === 'HTTPRoute' && String(manifest.apiVersion).startsWith(`${GATEWAY_API_GROUP}/`));
  for (const { manifest } of routes) {
    const what = describeObject(manifest);
    const routeNamespace = namespaceOf(manifest);
    for (const parent of manifest.spec?.parentRefs ?? []) {
      const namespace = parent.namespace ?? routeNamespace;
      if ((parent.kind ?? 'Gateway') === 'Gateway' && (parent.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP) {
        const gateway = manifests.find('Gateway', namespace, parent.name);
        if (!gateway || !String(gateway.manifest.apiVersion).startsWith(`${GATEWAY_API_GROUP}/`)) {
          errors.push(`${what}: parentRef Gateway ${namespace}/${parent.name} is not in this output. Fix: synthesize that Gateway or correct parentRefs`);
          continue;
        }
        const listeners: any[] = gateway.manifest.spec?.listeners ?? [];
        const usable = listeners.filter((l) => (parent.sectionName === undefined || l.name === parent.sectionName) && (parent.port === undefined || l.port === parent.port));
        if (usable.length === 0) {
          errors.push(`${what}: parentRef ${parent.name} names listener ${parent.sectionName ?? ''}${parent.port ? `:${parent.port}` : ''} that Gateway ${parent.name} does not have. Fix: use one of ${listeners.map((l) => `${l.name}:${l.port}`).join(', ')}`);
        } else if (namespace !== routeNamespace && usable.every((l) => (l.allowedRoutes?.namespaces?.from ?? 'Same') === 'Same')) {
          errors.push(`${what}: Gateway ${namespace}/${parent.name} accepts routes from its own namespace only. Fix: put the route in ${namespace} or set allowedRoutes.namespaces.from`);
        }
      } else if (parent.kind === 'Service' && (parent.group ?? '') === '') {
        const service = manifests.find('Service', namespace, parent.name);
        if (!service) {
          errors.push(`${what}: parentRef Service ${namespace}/${parent.name} is not in this output. Fix: synthesize that Service or correct parentRefs`);
        } else if (parent.port !== undefined && !(service.manifest.spec?.ports ?? []).some((p: any) => p.port === parent.port)) {
          errors.push(`${what}: parentRef Service ${parent.name} has no port ${parent.port}. Fix: use a port the Service exposes`);
        }
      }
    }
    for (const rule of manifest.spec?.rules ?? []) {
      for (const backend of rule.backendRefs ?? []) {
        if ((backend.kind ?? 'Service') !== 'Service' || (backend.group ?? '') !== '') continue;
        const namespace = backend.namespace ?? routeNamespace;
        const service = manifests.find('Service', namespace, backend.name);
        if (!service) {
          errors.push(`${what}: backendRef Service ${namespace}/${backend.name} is not in this output. Fix: synthesize that Service (e.g. the per-version Services) or correct backendRefs`);
        } else if (!(service.manifest.spec?.ports ?? []).some((p: any) => p.port === backend.port)) {
          errors.push(`${what}: backendRef ${backend.name} port ${backend.port} is not a port of that Service. Fix: use a port the Service exposes`);
        } else if (manifests.podsSelectedBy(namespace, service.manifest.spec?.selector ?? {}).length === 0) {
          errors.push(`${what}: backendRef ${backend.name} selects no deployed pod. Fix: deploy that version or route elsewhere`);
        }
      }
    }
  }
  return errors;
}
