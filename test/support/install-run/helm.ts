/**
 * helm against the fake cluster. `helm template` is the real Helm 3. `helm install` renders the chart with the real
 * Helm (the `istio/...` repository charts from the release's own chart folders) and applies the result the way
 * Helm installs it: the chart's crds/ first, then the templates in Helm's install order, into a namespace that must
 * exist, once per release name.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { ClusterError, KubeObject } from './cluster';
import { ToolAnswer, ToolCall, World } from './world';

/** Charts of Istio's Helm repository and the folder of the release they are built from (istio-charts/README.md). */
export const REPOSITORY_CHARTS: Record<string, string> = {
  base: 'manifests/charts/base',
  istiod: 'manifests/charts/istio-control/istio-discovery',
  gateway: 'manifests/charts/gateway',
  cni: 'manifests/charts/istio-cni',
  ztunnel: 'manifests/charts/ztunnel',
};

/** Helm's install order of kinds (pkg/release/util/kind_sorter.go, InstallOrder); other kinds come last. */
const INSTALL_ORDER = [
  'PriorityClass', 'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount',
  'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition',
  'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding', 'RoleBindingList',
  'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job',
  'CronJob', 'IngressClass', 'Ingress', 'APIService', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
];

/** Helm's own flags that the install notes may use, and whether each takes a value. */
const FLAGS: Record<string, boolean> = {
  '-n': true, '--namespace': true, '--version': true, '-f': true, '--values': true, '--set': true, '--set-string': true,
  '--create-namespace': false, '--wait': false, '--include-crds': false, '--skip-crds': false, '--kube-version': true, '--is-upgrade': false,
  '--no-hooks': false,
};

interface HelmArgs {
  readonly positional: string[];
  readonly flags: [string, string][];
}

function parse(args: readonly string[]): HelmArgs {
  const positional: string[] = [];
  const flags: [string, string][] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const inline = /^(--?[a-z-]+)=(.*)$/s.exec(arg);
    const flag = inline ? inline[1] : arg;
    if (flag.startsWith('-')) {
      if (!(flag in FLAGS)) throw new ClusterError(`Error: unknown flag: ${flag}`);
      flags.push([flag === '--namespace' ? '-n' : flag === '--values' ? '-f' : flag, inline ? inline[2] : FLAGS[flag] ? args[++i] : 'true']);
    } else {
      positional.push(arg);
    }
  }
  return { positional, flags };
}

/** Releases installed so far, per namespace, and the repositories added: the state `helm` keeps on a machine. */
export class HelmState {
  public readonly repositories = new Set<string>();
  public readonly releases = new Set<string>();
}

export function helm(world: World, state: HelmState, call: ToolCall): ToolAnswer {
  try {
    const { positional, flags } = parse(call.args);
    const [verb, ...rest] = positional;
    if (verb === 'repo' && rest[0] === 'add') {
      state.repositories.add(rest[1]);
      return { code: 0, stdout: `"${rest[1]}" has been added to your repositories\n` };
    }
    if (verb === 'repo' && rest[0] === 'update') return { code: 0, stdout: 'Update Complete. ⎈Happy Helming!⎈\n' };
    if (verb === 'template') {
      const [name, chart] = rest;
      const rendered = render(world, state, call, name, chart, flags, false);
      return { code: 0, stdout: rendered };
    }
    if (verb === 'install') return install(world, state, call, rest, flags);
    throw new ClusterError(`Error: the fake Helm does not take "helm ${verb}"`);
  } catch (error) {
    if (error instanceof ClusterError) return { code: 1, stdout: '', stderr: `${error.message}\n` };
    throw error;
  }
}

/** The chart folder for a chart reference: a folder (relative to the shell's folder) or `istio/<chart>` of the repository. */
function chartFolder(world: World, state: HelmState, cwd: string, chart: string): string {
  const repository = /^([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(chart);
  if (repository && !fs.existsSync(path.resolve(cwd, chart))) {
    if (!state.repositories.has(repository[1])) throw new ClusterError(`Error: repo ${repository[1]} not found`);
    const folder = REPOSITORY_CHARTS[repository[2]];
    if (!folder || !fs.existsSync(path.join(world.istioDir, folder))) {
      throw new ClusterError(`Error: chart "${repository[2]}" matching  not found in ${repository[1]} index. (try 'helm repo update'): Istio ${world.release} publishes no such chart`);
    }
    return path.join(world.istioDir, folder);
  }
  const folder = path.resolve(cwd, chart);
  if (!fs.existsSync(path.join(folder, 'Chart.yaml'))) throw new ClusterError(`Error: path "${chart}" not found`);
  return folder;
}

/** Whether a chart of Istio's repository, published with the release's own version, satisfies `--version`. */
function checkVersion(world: World, chart: string, constraint: string | undefined): void {
  if (constraint === undefined) return;
  if (!/^istio\//.test(chart)) throw new ClusterError(`Error: --version applies to repository charts, not to the folder ${chart}`);
  const [major, minor, patch] = world.release.split('.').map(Number);
  const tilde = /^~(\d+)\.(\d+)(?:\.(\d+))?$/.exec(constraint);
  const exact = /^(\d+)\.(\d+)\.(\d+)$/.exec(constraint);
  const fits = tilde
    ? Number(tilde[1]) === major && Number(tilde[2]) === minor && patch >= Number(tilde[3] ?? 0)
    : exact ? constraint === world.release : false;
  if (!fits) throw new ClusterError(`Error: chart "${chart}" version "${constraint}" not found in istio repository (it publishes ${world.release})`);
}

function render(world: World, state: HelmState, call: ToolCall, name: string, chart: string, flags: [string, string][], install: boolean): string {
  if (!name || !chart) throw new ClusterError('Error: "helm template" requires a release name and a chart');
  const folder = chartFolder(world, state, call.cwd, chart);
  const namespace = flags.find(([flag]) => flag === '-n')?.[1] ?? 'default';
  const args = ['template', name, folder, '--namespace', namespace];
  if (install) args.push('--include-crds');
  for (const [flag, value] of flags) {
    if (flag === '-f') {
      const file = path.resolve(call.cwd, value);
      if (!fs.existsSync(file)) throw new ClusterError(`Error: open ${value}: no such file or directory`);
      args.push('-f', file);
    } else if (flag === '--set' || flag === '--set-string' || flag === '--kube-version') {
      args.push(flag, value);
    } else if (flag === '--include-crds' && !install) {
      args.push(flag);
    }
  }
  const result = spawnSync(world.tools.helm, args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: path.join(world.istioDir, '..', '.helm-cache'), HELM_CONFIG_HOME: path.join(world.istioDir, '..', '.helm-config') } });
  if (result.status !== 0) throw new ClusterError(result.stderr.trim() || `Error: helm template ${chart} failed`);
  return result.stdout;
}

function install(world: World, state: HelmState, call: ToolCall, rest: string[], flags: [string, string][]): ToolAnswer {
  const [name, chart] = rest;
  const namespace = flags.find(([flag]) => flag === '-n')?.[1] ?? 'default';
  checkVersion(world, chart, flags.find(([flag]) => flag === '--version')?.[1]);
  if (state.releases.has(`${namespace}/${name}`)) throw new ClusterError('Error: INSTALLATION FAILED: cannot re-use a name that is still in use');
  if (!world.cluster.get('Namespace', undefined, namespace)) {
    if (!flags.some(([flag]) => flag === '--create-namespace')) {
      throw new ClusterError(`Error: INSTALLATION FAILED: create: failed to create: namespaces "${namespace}" not found`);
    }
    world.cluster.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }], `helm install ${name} --create-namespace`);
  }
  const rendered = render(world, state, call, name, chart, flags, true);
  const { crds, templates } = splitBySource(rendered);
  const by = `helm install ${name} ${chart} -n ${namespace}`;
  // crds/ first, then the templates against the API as it is after them (Helm refreshes its discovery there).
  if (crds.length > 0) world.cluster.apply(crds, by, undefined, namespace);
  const ordered = [...templates].sort((a, b) => rank(a.kind) - rank(b.kind));
  if (ordered.length > 0) {
    try {
      world.cluster.apply(ordered, by, undefined, namespace);
    } catch (error) {
      if (error instanceof ClusterError) throw new ClusterError(`Error: INSTALLATION FAILED: ${error.message.replace(/^error: /, '')}`);
      throw error;
    }
  }
  state.releases.add(`${namespace}/${name}`);
  world.dataPlane.reconcile();
  return { code: 0, stdout: `NAME: ${name}\nNAMESPACE: ${namespace}\nSTATUS: deployed\nREVISION: 1\n` };
}

function rank(kind: string): number {
  const index = INSTALL_ORDER.indexOf(kind);
  return index < 0 ? INSTALL_ORDER.length : index;
}

/** The documents of `helm template --include-crds` output, split by the `# Source:` comment Helm writes on each. */
export function splitBySource(rendered: string): { crds: KubeObject[]; templates: KubeObject[] } {
  const crds: KubeObject[] = [];
  const templates: KubeObject[] = [];
  for (const document of rendered.split(/^---\s*$/m)) {
    const source = /^# Source: (.*)$/m.exec(document)?.[1] ?? '';
    const object = yaml.load(document) as KubeObject | null;
    if (!object || typeof object !== 'object') continue;
    (/^[^/]+\/crds\//.test(source) ? crds : templates).push(object);
  }
  return { crds, templates };
}
