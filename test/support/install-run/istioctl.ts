/**
 * `istioctl install -f FILE --set PATH=VALUE` against the fake cluster, rendering what the release's istioctl
 * renders: its profile (`manifests/profiles/<profile>.yaml`, every profile applied on top of `default`) merged with
 * the IstioOperator files and `--set` flags, translated into Helm values, each enabled component's chart of
 * `manifests/charts` rendered by the real Helm, then the components' `k8s.overlays` applied.
 *
 * The translation follows istioctl's own code:
 * - 1.6-1.23, operator/pkg/translate/translate.go (1.9.9): the component table (chart folder and values root per
 *   component), `revision`, `meshConfig`, `hub`, `tag` mapped into values, each component's `enabled` and
 *   `namespace` written under its values root (`istio_cni.enabled` for CNI), `global.istioNamespace` set to the
 *   pilot component's namespace, then `spec.values` overlaid; the component namespace is the component's own, else
 *   `spec.namespace`, else `spec.values.global.istioNamespace` (operator/pkg/apis/istio/v1alpha1/common.go, 1.12.9).
 * - 1.24 and later, operator/pkg/render/manifest.go (1.30.3): `revision`, `meshConfig`, `hub`, `tag` mapped into
 *   values, `values.pilot.enabled` and `values.pilot.cni.enabled` from the components, `metadata.namespace`
 *   replaced by `spec.values.global.istioNamespace` when set, which is then every component's default namespace;
 *   the user's `spec.values` applied last; CNI and ztunnel values flattened out of their roots.
 * Gateways get `name` and `labels` under `gateways.istio-ingressgateway` (applyGatewayTranslations /
 * applyComponentValuesToHelmValues). A setting this emulation does not cover fails the command with its path.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { ClusterError, KubeObject } from './cluster';
import { splitBySource } from './helm';
import { strategicMerge } from './kubectl';
import { toYamlStream } from './yaml-stream';
import { ToolAnswer, ToolCall, World } from './world';

interface Component {
  /** The key under spec.components. */
  readonly spec: string;
  /** The workload its `k8s` settings patch, and its main container (ResourceType, ResourceName, ContainerName). */
  readonly resource?: { readonly kind: string; readonly name: string; readonly container: string };
  readonly chart: string;
  readonly valuesRoot: string;
  /** The key whose `enabled` tells other charts about the component. */
  readonly enablementRoot?: string;
  readonly gateway?: boolean;
  /** 1.24+: the chart reads its values at the top level, not under valuesRoot. */
  readonly flatten?: boolean;
}

/** istioctl's component table, in install order (base first: it holds the CRDs). */
const COMPONENTS: readonly Component[] = [
  { spec: 'base', chart: 'base', valuesRoot: 'global' },
  { spec: 'pilot', chart: 'istio-control/istio-discovery', valuesRoot: 'pilot', resource: { kind: 'Deployment', name: 'istiod', container: 'discovery' } },
  { spec: 'cni', chart: 'istio-cni', valuesRoot: 'cni', enablementRoot: 'istio_cni', flatten: true, resource: { kind: 'DaemonSet', name: 'istio-cni-node', container: 'install-cni' } },
  { spec: 'ztunnel', chart: 'ztunnel', valuesRoot: 'ztunnel', flatten: true, resource: { kind: 'DaemonSet', name: 'ztunnel', container: 'istio-proxy' } },
  { spec: 'ingressGateways', chart: 'gateways/istio-ingress', valuesRoot: 'gateways.istio-ingressgateway', gateway: true, resource: { kind: 'Deployment', name: 'istio-ingressgateway', container: 'istio-proxy' } },
  { spec: 'egressGateways', chart: 'gateways/istio-egress', valuesRoot: 'gateways.istio-egressgateway', gateway: true, resource: { kind: 'Deployment', name: 'istio-egressgateway', container: 'istio-proxy' } },
];

/** Keys of a component spec this emulation applies; any other key fails the command rather than being ignored. */
const COMPONENT_KEYS = new Set(['enabled', 'namespace', 'name', 'label', 'k8s', 'hub', 'tag']);

/**
 * Where each `k8s` setting of a component lands, as a strategic merge patch of a rendered object: istioctl's
 * kubernetesMapping (operator/data/translateConfig/translateConfig-1.6.yaml) and postProcess patches
 * (operator/pkg/render/postprocess.go, 1.30.3) agree on these.
 */
const K8S_SETTINGS: Record<string, { readonly kind?: string; readonly patch: (value: unknown, container: string) => Tree }> = {
  affinity: { patch: (v) => ({ spec: { template: { spec: { affinity: v } } } }) },
  env: { patch: (v, c) => ({ spec: { template: { spec: { containers: [{ name: c, env: v }] } } } }) },
  hpaSpec: { kind: 'HorizontalPodAutoscaler', patch: (v) => ({ spec: v }) },
  imagePullPolicy: { patch: (v, c) => ({ spec: { template: { spec: { containers: [{ name: c, imagePullPolicy: v }] } } } }) },
  nodeSelector: { patch: (v) => ({ spec: { template: { spec: { nodeSelector: v } } } }) },
  podDisruptionBudget: { kind: 'PodDisruptionBudget', patch: (v) => ({ spec: v }) },
  podAnnotations: { patch: (v) => ({ spec: { template: { metadata: { annotations: v } } } }) },
  priorityClassName: { patch: (v) => ({ spec: { template: { spec: { priorityClassName: v } } } }) },
  readinessProbe: { patch: (v, c) => ({ spec: { template: { spec: { containers: [{ name: c, readinessProbe: v }] } } } }) },
  replicaCount: { patch: (v) => ({ spec: { replicas: v } }) },
  resources: { patch: (v, c) => ({ spec: { template: { spec: { containers: [{ name: c, resources: v }] } } } }) },
  strategy: { patch: (v) => ({ spec: { strategy: v } }) },
  tolerations: { patch: (v) => ({ spec: { template: { spec: { tolerations: v } } } }) },
  serviceAnnotations: { kind: 'Service', patch: (v) => ({ metadata: { annotations: v } }) },
  service: { kind: 'Service', patch: (v) => ({ spec: v }) },
  securityContext: { patch: (v) => ({ spec: { template: { spec: { securityContext: v } } } }) },
  overlays: { patch: () => ({}) },
};

type Tree = Record<string, any>;

function isTree(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep merge of maps, lists and scalars replaced, as istioctl merges an IstioOperator onto its profile. */
export function mergeTrees(base: Tree, overlay: Tree): Tree {
  const out: Tree = structuredClone(base);
  for (const [key, value] of Object.entries(overlay)) {
    out[key] = isTree(value) && isTree(out[key]) ? mergeTrees(out[key], value) : structuredClone(value);
  }
  return out;
}

function getPath(tree: Tree, dotted: string): unknown {
  return dotted.split('.').reduce<any>((node, key) => (isTree(node) ? node[key] : undefined), tree);
}

function setPath(tree: Tree, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    if (!isTree(node[key])) node[key] = {};
    node = node[key];
  }
  node[keys[keys.length - 1]] = value;
}

/** A `--set` value as istioctl reads it: true/false and integers typed, anything else a string. */
function setValue(text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+$/.test(text)) return Number(text);
  return text;
}

function minorOf(release: string): number {
  return Number(release.split('.')[1]);
}

export function istioctl(world: World, call: ToolCall): ToolAnswer {
  try {
    const generating = call.args[0] === 'manifest' && call.args[1] === 'generate';
    const [verb, ...rest] = generating ? ['manifest generate', ...call.args.slice(2)] : call.args;
    if (verb !== 'install' && !generating) throw new ClusterError(`Error: the fake istioctl takes "install" and "manifest generate" (got "${call.args.join(' ')}")`);
    const files: string[] = [];
    const sets: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i];
      if (arg === '-y' || arg === '--skip-confirmation') continue;
      if (arg === '-f' || arg === '--filename') files.push(rest[++i]);
      else if (arg === '--set' || arg === '-s') sets.push(rest[++i]);
      else if (arg.startsWith('--set=')) sets.push(arg.slice(6));
      else throw new ClusterError(`Error: unknown flag: ${arg}`);
    }
    if (generating) {
      // What install would apply, printed instead: the clean-up of releases without `istioctl uninstall` deletes it.
      const objects = generate(world, call.cwd, files, sets).flatMap(({ objects: { crds, templates } }) => [...crds, ...templates]);
      return { code: 0, stdout: toYamlStream(objects) };
    }
    if (!rest.includes('-y') && !rest.includes('--skip-confirmation')) {
      throw new ClusterError('Error: istioctl asks for confirmation on a terminal; the install notes must pass -y');
    }
    const manifests = generate(world, call.cwd, files, sets);
    const lines: string[] = [];
    for (const { component, objects } of manifests) {
      const { crds, templates } = objects;
      if (crds.length + templates.length === 0) continue;
      if (crds.length) world.cluster.apply(crds, `istioctl install (${component})`);
      if (templates.length) world.cluster.apply(templates, `istioctl install (${component})`);
      lines.push(`✔ ${component} installed`);
    }
    world.dataPlane.reconcile();
    return { code: 0, stdout: `${lines.join('\n')}\n✔ Installation complete\n` };
  } catch (error) {
    if (error instanceof ClusterError) return { code: 1, stdout: '', stderr: `${error.message}\n` };
    throw error;
  }
}

interface RenderedComponent {
  readonly component: string;
  readonly objects: { crds: KubeObject[]; templates: KubeObject[] };
}

/** The manifests istioctl would install, per component. */
export function generate(world: World, cwd: string, files: string[], sets: string[]): RenderedComponent[] {
  if (files.length === 0) throw new ClusterError('Error: the install notes always name the IstioOperator with -f');
  let user: Tree = { apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', metadata: {}, spec: {} };
  for (const file of files) {
    const absolute = path.resolve(cwd, file);
    if (!fs.existsSync(absolute)) throw new ClusterError(`Error: open ${file}: no such file or directory`);
    const documents = yaml.loadAll(fs.readFileSync(absolute, 'utf8')).filter((d) => d !== null && d !== undefined) as Tree[];
    if (documents.length !== 1) throw new ClusterError(`Error: ${file} holds ${documents.length} documents; istioctl takes one IstioOperator per file`);
    const [document] = documents;
    if (document.apiVersion !== 'install.istio.io/v1alpha1' || document.kind !== 'IstioOperator') {
      throw new ClusterError(`Error: ${file} is a ${document.apiVersion}/${document.kind}, not an install.istio.io/v1alpha1 IstioOperator`);
    }
    user = mergeTrees(user, document);
  }
  for (const set of sets) {
    const at = set.indexOf('=');
    if (at <= 0) throw new ClusterError(`Error: --set ${set}: expected path=value`);
    setPath(user.spec, set.slice(0, at), setValue(set.slice(at + 1)));
  }
  const minor = minorOf(world.release);
  const profileName: string = user.spec.profile ?? 'default';
  const readProfile = (name: string): Tree => {
    const file = path.join(world.istioDir, 'manifests', 'profiles', `${name}.yaml`);
    if (!fs.existsSync(file)) throw new ClusterError(`Error: profile "${name}" not found in Istio ${world.release}`);
    return yaml.load(fs.readFileSync(file, 'utf8')) as Tree;
  };
  let merged = readProfile('default');
  if (profileName !== 'default') merged = mergeTrees(merged, readProfile(profileName));
  merged = mergeTrees(merged, user);
  const spec: Tree = merged.spec ?? {};
  const userValues: Tree = user.spec.values ?? {};

  const componentSpecs = (component: Component): Tree[] => {
    const value = spec.components?.[component.spec];
    if (value === undefined) return [];
    const list = component.gateway ? (value as Tree[]) : [value as Tree];
    for (const entry of list) {
      for (const key of Object.keys(entry)) {
        if (!COMPONENT_KEYS.has(key)) throw new ClusterError(`Error: components.${component.spec}.${key} is not emulated by the fake istioctl`);
      }
      for (const key of Object.keys(entry.k8s ?? {})) {
        if (!K8S_SETTINGS[key]) throw new ClusterError(`Error: components.${component.spec}.k8s.${key} is not emulated by the fake istioctl`);
      }
    }
    return list.filter((entry) => entry.enabled === true);
  };

  // The values every chart gets, before the per-component settings.
  const values: Tree = {};
  if (spec.hub !== undefined) setPath(values, 'global.hub', spec.hub);
  if (spec.tag !== undefined) setPath(values, 'global.tag', spec.tag);
  if (spec.revision !== undefined) values.revision = spec.revision;
  if (spec.meshConfig !== undefined) values.meshConfig = structuredClone(spec.meshConfig);
  let defaultNamespace: string;
  let allValues: Tree;
  if (minor < 24) {
    defaultNamespace = spec.namespace || getPath(spec, 'values.global.istioNamespace') as string || 'istio-system';
    for (const component of COMPONENTS) {
      if (component.gateway) continue;
      const [entry] = componentSpecs(component);
      setPath(values, `${component.enablementRoot ?? component.valuesRoot}.enabled`, entry !== undefined);
      setPath(values, `${component.valuesRoot}.namespace`, entry?.namespace ?? defaultNamespace);
    }
    setPath(values, 'global.istioNamespace', componentSpecs(COMPONENTS[1])[0]?.namespace ?? defaultNamespace);
    allValues = mergeTrees(values, spec.values ?? {});
  } else {
    const istioNamespace = getPath(spec, 'values.global.istioNamespace') as string | undefined;
    defaultNamespace = istioNamespace || merged.metadata?.namespace || 'istio-system';
    allValues = mergeTrees(spec.values ?? {}, values);
    setPath(allValues, 'pilot.enabled', componentSpecs(COMPONENTS[1]).length > 0);
    setPath(allValues, 'pilot.cni.enabled', componentSpecs(COMPONENTS[2]).length > 0);
    allValues = mergeTrees(allValues, userValues);
  }

  const rendered: RenderedComponent[] = [];
  for (const component of COMPONENTS) {
    for (const entry of componentSpecs(component)) {
      const chart = path.join(world.istioDir, 'manifests', 'charts', component.chart);
      if (!fs.existsSync(chart)) throw new ClusterError(`Error: component ${component.spec} has no chart ${component.chart} in Istio ${world.release}`);
      let chartValues = structuredClone(allValues);
      if (component.gateway) {
        setPath(chartValues, `${component.valuesRoot}.name`, entry.name);
        if (entry.label) setPath(chartValues, `${component.valuesRoot}.labels`, entry.label);
      }
      if (component.flatten && minor >= 24) {
        const own = getPath(chartValues, component.valuesRoot);
        const flat: Tree = { global: chartValues.global };
        for (const [key, value] of Object.entries(chartValues)) if (!isTree(value)) flat[key] = value;
        chartValues = mergeTrees(flat, isTree(own) ? own : {});
      }
      const namespace: string = entry.namespace ?? defaultNamespace;
      const objects = renderChart(world, chart, namespace, chartValues);
      if (component.resource) {
        const revision = component.spec === 'pilot' && allValues.revision ? `-${allValues.revision}` : '';
        const name = component.gateway ? entry.name : `${component.resource.name}${revision}`;
        for (const [key, value] of Object.entries<unknown>(entry.k8s ?? {})) {
          if (key === 'overlays') continue;
          const setting = K8S_SETTINGS[key];
          const kind = setting.kind ?? component.resource.kind;
          const target = objects.templates.find((object) => object.kind === kind && object.metadata?.name === name);
          if (!target) continue;
          strategicMerge(target, setting.patch(value, component.resource.container), '');
        }
      }
      for (const overlay of entry.k8s?.overlays ?? []) applyOverlay(objects.templates, overlay, `components.${component.spec}`);
      rendered.push({ component: component.spec, objects });
    }
  }
  return rendered;
}

function renderChart(world: World, chart: string, namespace: string, values: Tree): { crds: KubeObject[]; templates: KubeObject[] } {
  const valuesFile = path.join(world.istioDir, '..', `.istioctl-values-${process.pid}.yaml`);
  fs.writeFileSync(valuesFile, yaml.dump(values, { lineWidth: -1 }));
  try {
    const result = spawnSync(world.tools.helm, ['template', 'istio', chart, '--namespace', namespace, '--include-crds', '-f', valuesFile], { encoding: 'utf8' });
    if (result.status !== 0) throw new ClusterError(`Error: failed rendering ${path.relative(world.istioDir, chart)}: ${result.stderr.trim()}`);
    return splitBySource(result.stdout);
  } finally {
    fs.rmSync(valuesFile, { force: true });
  }
}

/**
 * One `k8s.overlays` entry, as operator/pkg/tpath applies it: the object of that kind and name, each patch a path of
 * keys, `[N]` indexes, `[key:value]` selectors and a final `[-1]` that appends; without a value the path is removed.
 */
function applyOverlay(objects: KubeObject[], overlay: Tree, where: string): void {
  const target = objects.find((object) => object.kind === overlay.kind && object.metadata?.name === overlay.name);
  if (!target) throw new ClusterError(`Error: ${where}.k8s.overlays: no ${overlay.kind} ${overlay.name} in the rendered component`);
  for (const patch of overlay.patches ?? []) {
    const tokens = (patch.path as string).split('.').flatMap((part) => part.split(/(?=\[)/));
    let node: any = target;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      const last = i === tokens.length - 1;
      const index = /^\[(-?\d+)\]$/.exec(token);
      const selector = /^\[([^:\]]+):([^\]]*)\]$/.exec(token);
      if (index || selector) {
        if (!Array.isArray(node)) throw new ClusterError(`Error: ${where} overlay path ${patch.path}: ${token} does not name a list`);
        const position = index ? Number(index[1]) : node.findIndex((item: any) => String(item?.[selector![1]]) === selector![2]);
        if (last) {
          if (patch.value === undefined) node.splice(position, 1);
          else if (position === -1 && index) node.push(structuredClone(patch.value));
          else node[position] = structuredClone(patch.value);
          break;
        }
        if (position < 0 || position >= node.length) throw new ClusterError(`Error: ${where} overlay path ${patch.path}: no element ${token}`);
        node = node[position];
      } else if (last) {
        if (patch.value === undefined) delete node[token];
        else node[token] = structuredClone(patch.value);
      } else {
        if (node[token] === undefined) node[token] = /^\[/.test(tokens[i + 1]) ? [] : {};
        node = node[token];
      }
    }
  }
}
