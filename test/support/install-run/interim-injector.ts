/**
 * A PodInjector for install runs whose pods get no sidecar, until the injector that renders the release's own
 * injection and gateway templates (test/support/istio-injector) takes its place.
 *
 * - `inject` evaluates the selectors of every MutatingWebhookConfiguration the install rendered (Kubernetes label
 *   selector rules) against the pod and its namespace: a pod no webhook selects is stored as it is, as the API server
 *   stores it; a pod a webhook selects fails the command, since this injector cannot write the sidecar its template
 *   would. An ambient namespace (no injection label) passes; a stray injection label fails loudly.
 * - `gatewayDeployment` writes what istiod's deployment controller creates for a Gateway of class istio (template
 *   files/kube-gateway.yaml) or istio-waypoint (files/waypoint.yaml) of the istiod chart, with the names, labels,
 *   ports and Service type those templates and pilot/pkg/config/kube/gateway/deploymentcontroller.go give them
 *   (1.22.0-1.30.3): Deployment, Service and ServiceAccount `<name>-istio` (class istio, LoadBalancer) or `<name>`
 *   (istio-waypoint: disableNameSuffix, ClusterIP); Service ports `status-port` 15021 and one per listener port, named
 *   after the listener, appProtocol its protocol in lower case (extractServicePorts); every object labelled
 *   `gateway.istio.io/managed` with the controller's name (apply) and `gateway.networking.k8s.io/gateway-name`;
 *   `istio.io/dataplane-mode: none` on the waypoint's pods (its template) and on everything of another class
 *   (setLabelOverrides: "If no ambient redirection label is set explicitly, explicitly disable"); the istio-proxy
 *   container's CA_ADDR `istiod[-<revision>].<istio namespace>.svc:15012` and its `istio-ca-root-cert` volume.
 */
import { selects } from './applied-set';
import { FakeCluster, KubeObject } from './cluster';
import { PodInjector } from './data-plane';

const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

export function interimInjector(cluster: FakeCluster): PodInjector {
  return {
    inject(pod: KubeObject, namespace: KubeObject): KubeObject {
      const namespaceLabels = { 'kubernetes.io/metadata.name': namespace.metadata.name, ...(namespace.metadata.labels ?? {}) };
      for (const configuration of cluster.list('MutatingWebhookConfiguration')) {
        for (const webhook of configuration.webhooks ?? []) {
          if (selects(webhook.namespaceSelector, namespaceLabels) && selects(webhook.objectSelector, pod.metadata.labels ?? {})) {
            throw new Error(`webhook ${webhook.name} of ${configuration.metadata.name} selects pod ${namespace.metadata.name}/${pod.metadata.name} for a sidecar, `
              + 'which the interim injector cannot write');
          }
        }
      }
      return pod;
    },

    gatewayDeployment(gateway: KubeObject): KubeObject[] | undefined {
      const waypoint = gateway.spec?.gatewayClassName === 'istio-waypoint';
      if (!waypoint && gateway.spec?.gatewayClassName !== 'istio') return undefined;
      const istiod = cluster.list('Deployment').find((deployment) => deployment.metadata.labels?.app === 'istiod');
      if (!istiod) return undefined;
      const revision = istiod.metadata.labels?.['istio.io/rev'];
      const caAddress = `istiod${revision && revision !== 'default' ? `-${revision}` : ''}.${istiod.metadata.namespace}.svc:15012`;
      const { name, namespace } = gateway.metadata;
      const deploymentName = waypoint ? name : `${name}-istio`;
      const managed = waypoint ? 'istio.io-mesh-controller' : 'istio.io-gateway-controller';
      // The Gateway's own labels are its infrastructure labels, plus the data-plane opt-out for a gateway of another class.
      const infrastructure: Record<string, string> = { ...(gateway.metadata.labels ?? {}), ...(waypoint ? {} : { 'istio.io/dataplane-mode': 'none' }) };
      const objectLabels = { ...infrastructure, [GATEWAY_NAME_LABEL]: name, 'gateway.istio.io/managed': managed };
      const podLabels: Record<string, string> = {
        'sidecar.istio.io/inject': 'false',
        ...(waypoint ? { 'istio.io/dataplane-mode': 'none' } : {}),
        'service.istio.io/canonical-name': deploymentName,
        'service.istio.io/canonical-revision': 'latest',
        ...objectLabels,
      };
      const listenerPorts = new Map<number, { name: string; protocol: string }>();
      for (const listener of gateway.spec.listeners ?? []) {
        if (!listenerPorts.has(listener.port)) listenerPorts.set(listener.port, { name: String(listener.name).replace(/\./g, '-'), protocol: String(listener.protocol).toLowerCase() });
      }
      return [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: deploymentName, namespace, labels: objectLabels } },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: deploymentName, namespace, labels: objectLabels },
          spec: {
            selector: { matchLabels: { [GATEWAY_NAME_LABEL]: name } },
            template: {
              metadata: { annotations: { 'istio.io/rev': revision ?? 'default' }, labels: podLabels },
              spec: {
                serviceAccountName: deploymentName,
                containers: [{
                  name: 'istio-proxy',
                  args: waypoint
                    ? ['proxy', 'waypoint', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--serviceCluster', `${deploymentName}.$(POD_NAMESPACE)`]
                    : ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local'],
                  env: [{ name: 'CA_ADDR', value: caAddress }, { name: 'ISTIO_META_WORKLOAD_NAME', value: deploymentName }],
                  ports: [
                    { containerPort: 15020, name: 'metrics', protocol: 'TCP' },
                    { containerPort: 15021, name: 'status-port', protocol: 'TCP' },
                    { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
                  ],
                  volumeMounts: [{ mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' }],
                }],
                volumes: [{ name: 'istiod-ca-cert', configMap: { name: 'istio-ca-root-cert' } }],
              },
            },
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: deploymentName, namespace, labels: objectLabels },
          spec: {
            ports: [
              { name: 'status-port', port: 15021, protocol: 'TCP', appProtocol: 'tcp' },
              ...[...listenerPorts].map(([port, listener]) => ({ name: listener.name, port, protocol: 'TCP', appProtocol: listener.protocol })),
            ],
            selector: { [GATEWAY_NAME_LABEL]: name },
            type: waypoint ? 'ClusterIP' : 'LoadBalancer',
          },
        },
      ];
    },
  };
}
