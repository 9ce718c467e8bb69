/**
 * What an API server would hold after the install commands ran, without one: the objects applied, in order, and
 * the refusals a real server gives (a custom kind without its CRD, a namespaced object without its Namespace, an
 * empty apply). Every change is an event with a logical time, so that checks can ask what existed when a pod
 * started. Timestamps are logical (one second per event from a fixed start), so runs are deterministic.
 */

/** An object as it was applied: a plain Kubernetes object. */
export type KubeObject = Record<string, any>;

/** Something that happened on the fake cluster. */
export interface ClusterEvent {
  readonly time: number;
  /** created, configured, deleted, restarted (a rollout restart), patched, labelled, scaled. */
  readonly action: 'created' | 'configured' | 'deleted' | 'restarted' | 'patched' | 'labelled' | 'scaled';
  /** For a workload: whether its pod template changed, which starts new pods. */
  readonly podsStart?: boolean;
  readonly key: string;
  /** Which command did it, e.g. "kubectl apply -f manifests/" or "helm install istiod". */
  readonly by: string;
}

/** A refusal, as kubectl or Helm would print it. */
export class ClusterError extends Error {}

/** API groups Kubernetes serves itself; any other group needs a CustomResourceDefinition. */
const BUILT_IN_GROUPS = new Set([
  '', 'apps', 'extensions', 'batch', 'autoscaling', 'policy', 'rbac.authorization.k8s.io', 'admissionregistration.k8s.io',
  'apiextensions.k8s.io', 'networking.k8s.io', 'storage.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io',
  'discovery.k8s.io', 'certificates.k8s.io', 'apiregistration.k8s.io', 'node.k8s.io', 'flowcontrol.apiserver.k8s.io',
  'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'settings.k8s.io',
]);

/** Built-in kinds that are not namespaced (kubectl api-resources --namespaced=false of a Kubernetes 1.31 server). */
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ComponentStatus', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'APIService', 'StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'PriorityClass', 'PodSecurityPolicy', 'RuntimeClass',
  'IngressClass', 'CertificateSigningRequest', 'FlowSchema', 'PriorityLevelConfiguration', 'SelfSubjectReview',
]);

/** A CustomResourceDefinition as the server knows it. */
interface CrdInfo {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly served: ReadonlySet<string>;
}

/** Start of the logical clock: every event is one second after the one before. */
const EPOCH = Date.parse('2026-01-01T00:00:00Z');

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

export function versionOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
}

/** The namespaces every cluster starts with, which the API server refuses to delete (kube-public, kube-node-lease aside). */
const SYSTEM_NAMESPACES = ['default', 'kube-system'];

/** Where the API server listens (RFC 5737), as kubectl names it when it cannot reach it. */
export const API_SERVER_ADDRESS = '203.0.113.1:6443';

export class FakeCluster {
  private readonly objects = new Map<string, KubeObject>();
  private readonly crds = new Map<string, CrdInfo>();
  public readonly events: ClusterEvent[] = [];
  private clock = 0;
  /**
   * Whether the user's machine reaches the API server. A VPN that dropped, a firewall or a control plane that is down
   * leave every kubectl call that needs the server without an answer, and kubectl fails it (kubectl.ts).
   */
  public apiServerReachable = true;

  public constructor() {
    this.apply([...SYSTEM_NAMESPACES, 'kube-public'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })), 'the cluster');
  }

  /** The logical time now, as an RFC 3339 timestamp. */
  public timestamp(time = this.clock): string {
    return new Date(EPOCH + time * 1000).toISOString().replace('.000Z', 'Z');
  }

  public get now(): number {
    return this.clock;
  }

  /** Every object, in the order first applied. */
  public all(): KubeObject[] {
    return [...this.objects.values()];
  }

  public key(object: KubeObject): string {
    const group = groupOf(object.apiVersion ?? '');
    const namespace = this.isNamespaced(object) ? (object.metadata?.namespace ?? 'default') : '';
    return `${group}/${object.kind}/${namespace}/${object.metadata?.name}`;
  }

  public get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.all().find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || !this.isNamespaced(o) || o.metadata.namespace === namespace));
  }

  public list(kind: string, namespace?: string): KubeObject[] {
    return this.all().filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
  }

  public isNamespaced(object: KubeObject): boolean {
    const group = groupOf(object.apiVersion ?? '');
    if (BUILT_IN_GROUPS.has(group)) return !CLUSTER_SCOPED_KINDS.has(object.kind);
    const crd = this.crds.get(`${group}/${object.kind}`);
    return crd ? crd.namespaced : true;
  }

  /** The served CRD kinds as a discovery snapshot: what kubectl resolves names against when a command starts. */
  public discovery(): ReadonlySet<string> {
    return new Set([...this.crds.values()].flatMap((crd) => [...crd.served].map((version) => `${crd.group}/${version}/${crd.kind}`)));
  }

  /** Resolves `kubectl get` resource names (pods, secret, telemetries.telemetry.istio.io, ...) to a kind. */
  public kindOfResource(resource: string): string | undefined {
    const builtIn: Record<string, string> = {
      namespace: 'Namespace', namespaces: 'Namespace', ns: 'Namespace', secret: 'Secret', secrets: 'Secret', pod: 'Pod', pods: 'Pod',
      deployment: 'Deployment', deployments: 'Deployment', deploy: 'Deployment', 'deployments.apps': 'Deployment', configmap: 'ConfigMap',
      configmaps: 'ConfigMap', cm: 'ConfigMap', service: 'Service', services: 'Service', svc: 'Service', crd: 'CustomResourceDefinition',
      crds: 'CustomResourceDefinition', customresourcedefinitions: 'CustomResourceDefinition', daemonset: 'DaemonSet', daemonsets: 'DaemonSet',
      ds: 'DaemonSet', mutatingwebhookconfigurations: 'MutatingWebhookConfiguration', serviceaccount: 'ServiceAccount', serviceaccounts: 'ServiceAccount',
    };
    if (builtIn[resource]) return builtIn[resource];
    const [plural, ...group] = resource.split('.');
    const crd = [...this.crds.values()].find((c) => (c.plural === plural || c.kind.toLowerCase() === plural) && (group.length === 0 || c.group === group.join('.')));
    return crd?.kind;
  }

  /**
   * Applies objects as one command does: names resolve against the discovery snapshot taken when the command
   * started (`served`), so a custom object whose CRD comes in the same command is refused, as kubectl refuses it.
   */
  public apply(objects: KubeObject[], by: string, served: ReadonlySet<string> = this.discovery(), defaultNamespace?: string): string[] {
    if (objects.length === 0) throw new ClusterError('error: no objects passed to apply');
    const lines: string[] = [];
    for (const input of objects) {
      const object = structuredClone(input);
      if (!object.apiVersion || !object.kind || !object.metadata?.name) {
        throw new ClusterError(`error: error validating data: [apiVersion, kind and metadata.name must be set] in ${JSON.stringify(object).slice(0, 120)}`);
      }
      const group = groupOf(object.apiVersion);
      if (!BUILT_IN_GROUPS.has(group) && !served.has(`${group}/${versionOf(object.apiVersion)}/${object.kind}`)) {
        throw new ClusterError(`error: resource mapping not found for name: "${object.metadata.name}" namespace: "${object.metadata.namespace ?? ''}" from "${by}": no matches for kind "${object.kind}" in version "${object.apiVersion}"\nensure CRDs are installed first`);
      }
      if (this.isNamespaced(object)) {
        object.metadata.namespace = object.metadata.namespace ?? defaultNamespace ?? 'default';
        if (!this.get('Namespace', undefined, object.metadata.namespace)) {
          throw new ClusterError(`Error from server (NotFound): error when creating "${by}": namespaces "${object.metadata.namespace}" not found`);
        }
      } else if (object.metadata.namespace !== undefined) {
        delete object.metadata.namespace;
      }
      const key = this.key(object);
      const existing = this.objects.get(key);
      if (existing) {
        object.metadata.creationTimestamp = existing.metadata.creationTimestamp;
        object.metadata.uid = existing.metadata.uid;
        if (existing.status) object.status = existing.status;
        if (sameContent(existing, object)) {
          lines.push(`${resourceName(object)} unchanged`);
          continue;
        }
        this.tick();
        this.objects.set(key, object);
        this.record('configured', key, by, JSON.stringify(existing.spec?.template) !== JSON.stringify(object.spec?.template));
        lines.push(`${resourceName(object)} configured`);
      } else {
        this.tick();
        object.metadata.creationTimestamp = this.timestamp();
        object.metadata.uid = `00000000-0000-4000-8000-${String(this.clock).padStart(12, '0')}`;
        this.objects.set(key, object);
        this.record('created', key, by);
        lines.push(`${resourceName(object)} created`);
      }
      if (object.kind === 'CustomResourceDefinition') this.registerCrd(object);
    }
    return lines;
  }

  /** Deletes an object (and, for a Namespace, everything in it); returns whether it existed. */
  public delete(object: KubeObject, by: string): boolean {
    const key = this.key(object);
    if (!this.objects.has(key)) return false;
    if (object.kind === 'Namespace' && SYSTEM_NAMESPACES.includes(object.metadata.name)) {
      throw new ClusterError(`Error from server (Forbidden): namespaces "${object.metadata.name}" is forbidden: this namespace may not be deleted`);
    }
    if (object.kind === 'Namespace') {
      for (const inside of this.all().filter((o) => this.isNamespaced(o) && o.metadata.namespace === object.metadata.name)) this.delete(inside, by);
    }
    this.tick();
    this.objects.delete(key);
    this.record('deleted', key, by);
    return true;
  }

  /** Replaces a stored object after a patch, label or replica change. */
  public update(object: KubeObject, action: 'patched' | 'labelled' | 'scaled', by: string): void {
    const before = this.objects.get(this.key(object));
    this.tick();
    this.objects.set(this.key(object), object);
    this.record(action, this.key(object), by, JSON.stringify(before?.spec?.template) !== JSON.stringify(object.spec?.template));
  }

  public restart(object: KubeObject, by: string): void {
    this.tick();
    this.record('restarted', this.key(object), by, true);
  }

  /** Records the deletion of a pod, which the data plane keeps rather than the store (`/Pod/<namespace>/<name>`). */
  public recordPodDeletion(namespace: string, name: string, by: string): void {
    this.tick();
    this.record('deleted', `/Pod/${namespace}/${name}`, by);
  }

  /** When a workload's pods last started: its creation, a restart, or a change of its pod template; undefined if never. */
  public lastStart(key: string): number | undefined {
    const starts = this.events.filter((event) => event.key === key && (event.action === 'created' || event.podsStart));
    return starts.length ? starts[starts.length - 1].time : undefined;
  }

  public createdAt(key: string): number | undefined {
    return this.events.find((event) => event.key === key && event.action === 'created')?.time;
  }

  private registerCrd(crd: KubeObject): void {
    const spec = crd.spec ?? {};
    const served = new Set<string>(spec.versions ? spec.versions.filter((v: any) => v.served !== false).map((v: any) => v.name) : [spec.version]);
    this.crds.set(`${spec.group}/${spec.names.kind}`, {
      group: spec.group, kind: spec.names.kind, plural: spec.names.plural, namespaced: spec.scope !== 'Cluster', served,
    });
  }

  private tick(): void {
    this.clock += 1;
  }

  private record(action: ClusterEvent['action'], key: string, by: string, podsStart?: boolean): void {
    this.events.push({ time: this.clock, action, key, by, podsStart });
  }
}

/** Whether applying `next` over `current` changes nothing (kubectl's "unchanged"). */
function sameContent(current: KubeObject, next: KubeObject): boolean {
  const strip = (object: KubeObject) => JSON.stringify({ ...object, status: undefined });
  return strip(current) === strip(next);
}

/** How kubectl names an object in its output: `deployment.apps/istiod`. */
export function resourceName(object: KubeObject): string {
  const group = groupOf(object.apiVersion);
  return `${object.kind.toLowerCase()}${group ? `.${group}` : ''}/${object.metadata.name}`;
}
