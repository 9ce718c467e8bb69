/**
 * The fake injector as the install runs' data plane calls it (test/support/install-run/data-plane.ts, PodInjector):
 * for a pod being created, the API server calls the webhooks of every Istio injector the cluster holds that select
 * it, MutatingWebhookConfigurations in name order as the API server orders them; a webhook that fails refuses the
 * pod (Istio's webhooks have failurePolicy Fail), which is thrown. For a Gateway API Gateway, the objects istiod's
 * deployment controller creates, from the first injector's istiod that manages the Gateway.
 *
 * The injectors are found again whenever the objects they are built from change: each `istio-sidecar-injector` or
 * `istio-sidecar-injector-<revision>` ConfigMap is one revision's injector.
 */
import type { FakeCluster } from '../install-run/cluster';
import type { PodInjector } from '../install-run/data-plane';
import { renderGatewayDeployment } from './gateway-deployment';
import { atLeast } from './releases';
import { KubeObject, SidecarInjector } from './sidecar-injector';

const INJECTOR_CONFIG_MAP = /^istio-sidecar-injector(?:-(.+))?$/;

interface Built {
  readonly fingerprint: string;
  readonly injectors: readonly SidecarInjector[];
}

/** The objects an injector is built from, as text: when it changes, the injectors are built again. */
function fingerprint(objects: readonly KubeObject[]): string {
  return JSON.stringify(objects.filter((object) => ['ConfigMap', 'MutatingWebhookConfiguration', 'Deployment'].includes(object.kind)
    && (object.kind === 'MutatingWebhookConfiguration' || /^istio/.test(String(object.metadata?.name))))
    .map((object) => [object.kind, object.metadata?.namespace, object.metadata?.name, object.data, object.webhooks, object.spec?.template?.spec?.containers]));
}

/** A PodInjector for an install of Istio `release`. */
export function istioPodInjector(release: string): PodInjector {
  let built: Built | undefined;
  const injectorsOf = (cluster: FakeCluster): readonly SidecarInjector[] => {
    const objects = cluster.all();
    const current = fingerprint(objects);
    if (built?.fingerprint !== current) {
      const revisions = objects.filter((object) => object.kind === 'ConfigMap' && INJECTOR_CONFIG_MAP.test(String(object.metadata?.name)))
        .map((object) => INJECTOR_CONFIG_MAP.exec(String(object.metadata.name))![1] ?? '');
      built = { fingerprint: current, injectors: revisions.map((revision) => SidecarInjector.fromAppliedObjects(objects, { release, revision })) };
    }
    return built.injectors;
  };

  return {
    inject(pod: KubeObject, namespace: KubeObject, cluster: FakeCluster): KubeObject {
      const called = injectorsOf(cluster)
        .flatMap((injector) => injector.matchingWebhooks(pod, namespace).map((webhook) => ({ injector, configuration: webhook.configuration })))
        .sort((a, b) => a.configuration.localeCompare(b.configuration));
      let result = pod;
      const done = new Set<SidecarInjector>();
      for (const { injector } of called) {
        if (done.has(injector)) continue;
        done.add(injector);
        result = injector.inject(result, namespace).pod;
      }
      return result;
    },

    gatewayDeployment(gateway: KubeObject, cluster: FakeCluster): KubeObject[] | undefined {
      if (!atLeast(release, '1.16')) return undefined;
      const namespace = cluster.get('Namespace', undefined, gateway.metadata?.namespace);
      if (!namespace) return undefined;
      for (const injector of injectorsOf(cluster)) {
        const deployment = renderGatewayDeployment(injector, gateway, namespace, cluster.all());
        if (deployment.managed) return [...deployment.objects];
      }
      return undefined;
    },
  };
}
