/**
 * A fake of Istio's sidecar injector for one Istio release and revision, built from the objects an install applied:
 * the injector ConfigMap `istio-sidecar-injector[-<rev>]` (config, values), the mesh ConfigMap `istio[-<rev>]`
 * (mesh), the MutatingWebhookConfigurations and istiod's Deployment (its env, which templates read with `env`).
 * It answers what the API server and the injector would do with a pod: which webhook is called, whether the
 * injector's policy injects the pod, and the pod that is stored, by running that release's own templates with the
 * data and the merge rules of that release's injector. See README.md in this folder.
 */
import { validateAnnotations } from './annotation-validation';
import { GoTemplateError } from './go-value';
import { InjectionContext } from './injection-context';
import { atLeast } from './releases';
import { injectLegacy } from './legacy-injection';
import { injectWithTemplates } from './template-injection';
import { LabelSelector, namespaceLabels, rulesMatchPodCreate, selectorIsEmpty, selectorMatches } from './webhook-match';

/** Kubernetes objects as JSON data. */
type Json = Record<string, any>;

/** A Kubernetes object as an install applies it. */
export type KubeObject = Record<string, any>;

export interface SidecarInjectorOptions {
  /** The Istio release, as a folder of test/fixtures/istio-upstream names it: "1.9.9", "1.30.3". */
  readonly release: string;
  /** The revision of this injector; unset for the default revision. */
  readonly revision?: string;
  /**
   * The Kubernetes minor version of the cluster's kubelets. From Istio 1.27, istiod's ENABLE_NATIVE_SIDECARS
   * defaults to "auto" and it injects native sidecars when every node runs 1.33 or later (DetectNativeSidecar);
   * 1.19-1.26 read only the env var (default false).
   * @default none: no node is known, which 1.27+ treats as native-sidecar capable (an empty cluster)
   */
  readonly nodeKubeletMinor?: number;
}

/** The injector's configuration, given directly (as Istio's own tests give it) rather than found among objects. */
export interface InjectorSettings extends SidecarInjectorOptions {
  /** The `config` of the injector ConfigMap. */
  readonly config: string;
  /** The `values` of the injector ConfigMap (1.2+). */
  readonly values?: string;
  /** The `mesh` of the mesh ConfigMap. */
  readonly mesh: string;
  /** The MutatingWebhookConfigurations that call this injector. @default none: every pod is offered to the injector */
  readonly webhookConfigurations?: readonly KubeObject[];
  /** istiod's environment. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
}

/** A webhook the API server calls for a pod. */
export interface WebhookMatch {
  readonly configuration: string;
  readonly webhook: string;
  /** The path of the webhook's service, e.g. "/inject" or "/inject/cluster/c1/net/n1". */
  readonly path: string;
}

export interface InjectionResult {
  /** The pod as stored: injected, or as given (with its namespace set). */
  readonly pod: KubeObject;
  readonly injected: boolean;
  /** Which webhooks were called, or why none was. */
  readonly webhooks: readonly WebhookMatch[];
  /** Why the pod was or was not injected. */
  readonly reason: string;
}

interface Webhook {
  readonly configuration: string;
  readonly spec: KubeObject;
}

const INJECT_SERVICE_LEGACY = 'istio-sidecar-injector';

export class SidecarInjector {
  /**
   * The injector of `options.revision` among the objects an install applied (Helm output, `kubectl apply` input).
   * Throws, naming what is missing, when the injector ConfigMap or the mesh ConfigMap is not there.
   */
  public static fromAppliedObjects(objects: readonly KubeObject[], options: SidecarInjectorOptions): SidecarInjector {
    const { release } = options;
    const revision = options.revision ?? '';
    const suffix = revision ? `-${revision}` : '';
    const find = (kind: string, name: string) => objects.filter((object) => object?.kind === kind && object.metadata?.name === name);
    const one = (kind: string, name: string): KubeObject => {
      const found = find(kind, name);
      if (found.length === 0) throw new GoTemplateError(`no ${kind} ${name} among the ${objects.length} applied objects: the Istio ${release} injector${revision ? ` of revision ${revision}` : ''} needs it`);
      if (found.length > 1) throw new GoTemplateError(`${found.length} ${kind}s named ${name} among the applied objects (namespaces ${found.map((o) => o.metadata?.namespace).join(', ')}): cannot tell which one the injector reads`);
      return found[0];
    };
    const injectorConfigMap = one('ConfigMap', `istio-sidecar-injector${suffix}`);
    const meshConfigMap = one('ConfigMap', `istio${suffix}`);
    const config = injectorConfigMap.data?.config;
    if (typeof config !== 'string') throw new GoTemplateError(`ConfigMap istio-sidecar-injector${suffix} has no data.config`);
    const mesh = meshConfigMap.data?.mesh;
    if (typeof mesh !== 'string') throw new GoTemplateError(`ConfigMap istio${suffix} has no data.mesh`);
    const serviceName = atLeast(release, '1.6') ? `istiod${suffix}` : INJECT_SERVICE_LEGACY;
    const deployment = find('Deployment', serviceName)[0];
    const container = ((deployment?.spec?.template?.spec?.containers ?? []) as KubeObject[])
      .find((c) => ['discovery', 'sidecar-injector-webhook'].includes(c.name));
    const environment: Record<string, string> = {};
    for (const env of (container?.env ?? []) as KubeObject[]) if (typeof env.value === 'string') environment[env.name] = env.value;
    const webhookConfigurations = objects.filter((object) => object?.kind === 'MutatingWebhookConfiguration')
      .map((configuration) => ({
        ...configuration,
        webhooks: ((configuration.webhooks ?? []) as KubeObject[]).filter((webhook) => webhook.clientConfig?.service?.name === serviceName),
      }))
      .filter((configuration) => configuration.webhooks.length > 0);
    return new SidecarInjector({ ...options, config, values: injectorConfigMap.data?.values, mesh, webhookConfigurations, environment }, true);
  }

  /** An injector from its settings; without webhook configurations it is offered every pod. */
  public static fromSettings(settings: InjectorSettings): SidecarInjector {
    return new SidecarInjector(settings, settings.webhookConfigurations !== undefined);
  }

  private readonly context: InjectionContext;
  private readonly webhooks: readonly Webhook[];

  private constructor(private readonly settings: InjectorSettings, private readonly matchWebhooks: boolean) {
    const release = settings.release;
    const environment = settings.environment ?? {};
    // istiod's REVISION (1.6+): the chart sets it to the revision, "default" for the default one.
    const revision = atLeast(release, '1.6') ? settings.revision || environment.REVISION || 'default' : '';
    if (environment.PLATFORM === 'openshift') throw new GoTemplateError('istiod runs with PLATFORM=openshift: OpenShift user and group ranges are not modelled');
    this.context = new InjectionContext(release, settings.config, atLeast(release, '1.2') ? settings.values : undefined, settings.mesh, revision, environment);
    this.webhooks = (settings.webhookConfigurations ?? []).flatMap((configuration) => ((configuration.webhooks ?? []) as KubeObject[])
      .map((spec) => ({ configuration: String(configuration.metadata?.name ?? ''), spec })));
  }

  /** The configuration and Go machinery of this injector, which the Gateway controller fake shares. */
  public get injectionContext(): InjectionContext {
    return this.context;
  }

  /** The Istio release this injector is. */
  public get release(): string {
    return this.settings.release;
  }

  /** The webhooks of this injector the API server calls when `pod` is created in `namespace`. */
  public matchingWebhooks(pod: KubeObject, namespace: KubeObject): WebhookMatch[] {
    if (!this.matchWebhooks) return [{ configuration: '', webhook: '', path: '/inject' }];
    const podLabels = (pod.metadata?.labels ?? {}) as Record<string, string>;
    const nsLabels = namespaceLabels(namespace);
    return this.webhooks.filter(({ spec }) => rulesMatchPodCreate(spec.rules)
      && selectorMatches(spec.namespaceSelector as LabelSelector | undefined, nsLabels)
      && selectorMatches(spec.objectSelector as LabelSelector | undefined, podLabels))
      .map(({ configuration, spec }) => ({ configuration, webhook: String(spec.name ?? ''), path: String(spec.clientConfig?.service?.path ?? '') }));
  }

  /** Whether some webhook of this injector is called for `pod` in `namespace`. */
  public selects(pod: KubeObject, namespace: KubeObject): boolean {
    return this.matchingWebhooks(pod, namespace).length > 0;
  }

  /** The injector's own decision (injectRequired): host network, ignored namespaces, annotation or label, selectors, policy. */
  public injectionRequired(pod: KubeObject, namespace: KubeObject): { readonly required: boolean; readonly reason: string } {
    const { release, config } = this.context;
    const metadata = (pod.metadata ?? {}) as KubeObject;
    const podNamespace = metadata.namespace || namespace.metadata?.name || '';
    if (pod.spec?.hostNetwork === true) return { required: false, reason: 'the pod uses the host network' };
    const ignored = ['kube-system', 'kube-public', ...(atLeast(release, '1.9') ? ['kube-node-lease', 'local-path-storage'] : [])];
    if (ignored.includes(podNamespace)) return { required: false, reason: `namespace ${podNamespace} is ignored by the injector` };
    const annotations = (metadata.annotations ?? {}) as Record<string, string>;
    const labels = (metadata.labels ?? {}) as Record<string, string>;
    let value = annotations['sidecar.istio.io/inject'] ?? '';
    if (atLeast(release, '1.12') && labels['sidecar.istio.io/inject'] !== undefined) value = labels['sidecar.istio.io/inject'];
    let useDefault = false;
    let inject = false;
    // From 1.27 only "true" and "false" count; other values fall back to the policy.
    if (atLeast(release, '1.27')) {
      if (value === 'true') inject = true;
      else if (value !== 'false') useDefault = true;
    } else {
      const lower = value.toLowerCase();
      if (['y', 'yes', 'true', 'on'].includes(lower)) inject = true;
      else if (lower === '') useDefault = true;
    }
    let why = useDefault ? '' : `sidecar.istio.io/inject is ${JSON.stringify(value)}`;
    const firstMatch = (selectors: readonly LabelSelector[]) => selectors.find((selector) => {
      try {
        return !selectorIsEmpty(selector) && selectorMatches(selector, labels);
      } catch {
        return false; // istiod logs an invalid selector and skips it.
      }
    });
    if (useDefault && firstMatch(config.neverInjectSelector)) {
      useDefault = false;
      inject = false;
      why = 'the pod matches the injector\'s neverInjectSelector';
    }
    if (useDefault && firstMatch(config.alwaysInjectSelector)) {
      useDefault = false;
      inject = true;
      why = 'the pod matches the injector\'s alwaysInjectSelector';
    }
    switch (config.policy) {
      case 'enabled': return useDefault ? { required: true, reason: 'policy enabled' } : { required: inject, reason: why };
      case 'disabled': return useDefault ? { required: false, reason: 'policy disabled and no sidecar.istio.io/inject' } : { required: inject, reason: why };
      default: return { required: false, reason: `illegal policy ${JSON.stringify(config.policy)}: injection disabled` };
    }
  }

  /**
   * What the API server stores when `pod` is created in `namespace`: this injector's webhook selects it, its policy
   * injects it, and the pod comes back injected; otherwise the pod as given.
   */
  public inject(pod: KubeObject, namespace: KubeObject): InjectionResult {
    const admitted: KubeObject = JSON.parse(JSON.stringify(pod));
    admitted.metadata ??= {};
    if (!admitted.metadata.namespace) admitted.metadata.namespace = namespace.metadata?.name;
    const webhooks = this.matchingWebhooks(admitted, namespace);
    if (webhooks.length === 0) return { pod: admitted, injected: false, webhooks, reason: 'no webhook of this injector selects the pod' };
    const required = this.injectionRequired(admitted, namespace);
    if (!required.required) return { pod: admitted, injected: false, webhooks, reason: required.reason };
    const name = `${admitted.metadata.namespace}/${admitted.metadata.name ?? admitted.metadata.generateName ?? ''}`;
    validateAnnotations(this.release, name, admitted.metadata.annotations ?? {});
    const request = { proxyEnvs: this.proxyEnvs(webhooks[0].path), nativeSidecars: this.nativeSidecars() };
    const injected = atLeast(this.release, '1.9')
      ? injectWithTemplates(this.context, admitted as Json, request)
      : injectLegacy(this.context, admitted as Json, request);
    return { pod: injected, injected: true, webhooks, reason: required.reason };
  }

  /** Whether istiod injects the proxy as a native sidecar (an init container with restartPolicy Always). */
  private nativeSidecars(): boolean {
    const setting = this.context.environment.ENABLE_NATIVE_SIDECARS;
    if (!atLeast(this.release, '1.19')) return false;
    if (!atLeast(this.release, '1.27')) return setting !== undefined && /^(1|t|T|TRUE|true|True)$/.test(setting);
    const mode = setting ?? 'auto';
    if (mode === 'true') return true;
    if (mode !== 'auto') return false;
    const kubelet = this.settings.nodeKubeletMinor;
    return kubelet === undefined || kubelet >= 33;
  }

  /** parseInjectEnvs (1.6+): /inject/cluster/<id>/net/<network>/<key>/<value>... */
  private proxyEnvs(path: string): Record<string, string> {
    if (!atLeast(this.release, '1.6')) return {};
    const parts = path.replace(/\/$/, '').split('/');
    const envs: Record<string, string> = {};
    const names: Record<string, string> = { cluster: 'ISTIO_META_CLUSTER_ID', net: 'ISTIO_META_NETWORK' };
    for (let i = 2; i + 1 < parts.length; i += 2) {
      const name = names[parts[i]] ?? parts[i].toUpperCase();
      if (name !== '') envs[name] = parts[i + 1];
    }
    return envs;
  }
}
