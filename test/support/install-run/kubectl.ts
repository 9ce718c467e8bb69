/**
 * kubectl against the fake cluster: the verbs the generated INSTALL.md and verify.sh use, with kubectl's
 * refusals (a missing file, an empty `apply -f -`, an unknown flag, an object that does not exist).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { API_SERVER_ADDRESS, ClusterError, KubeObject, resourceName } from './cluster';
import { ToolAnswer, ToolCall, World } from './world';
import { objectsOfStream } from './yaml-stream';

/** Flags that take a value, in the forms kubectl accepts (`-n x`, `-n=x`, `--namespace x`, `--namespace=x`). */
const VALUE_FLAGS = new Set([
  '-n', '--namespace', '-f', '--filename', '-k', '--kustomize', '-o', '--output', '-l', '--selector', '-c', '--container',
  '--for', '--timeout', '--type', '-p', '--patch', '--from-literal', '--dry-run', '--raw', '--field-manager', '--replicas',
]);
const BOOLEAN_FLAGS = new Set(['--server-side', '--all', '--overwrite', '--ignore-not-found', '--force-conflicts', '-A', '--all-namespaces']);

interface Parsed {
  readonly positional: string[];
  readonly flags: Map<string, string[]>;
  readonly remote: string[];
}

const ALIASES: Record<string, string> = {
  '--namespace': '-n', '--filename': '-f', '--kustomize': '-k', '--output': '-o', '--selector': '-l', '--container': '-c', '--patch': '-p',
  '--all-namespaces': '-A',
};

function parse(args: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const add = (flag: string, value: string) => flags.set(ALIASES[flag] ?? flag, [...(flags.get(ALIASES[flag] ?? flag) ?? []), value]);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') return { positional, flags, remote: args.slice(i + 1) };
    const withValue = /^(-[a-zA-Z]|--[a-z-]+)=(.*)$/s.exec(arg);
    if (withValue && (VALUE_FLAGS.has(withValue[1]) || BOOLEAN_FLAGS.has(withValue[1]))) { add(withValue[1], withValue[2]); continue; }
    if (VALUE_FLAGS.has(arg)) {
      if (i + 1 >= args.length) throw new ClusterError(`error: flag needs an argument: ${arg}`);
      add(arg, args[++i]);
      continue;
    }
    if (BOOLEAN_FLAGS.has(arg)) { add(arg, 'true'); continue; }
    if (arg.startsWith('-') && arg !== '-') throw new ClusterError(`error: unknown flag: ${arg}`);
    positional.push(arg);
  }
  return { positional, flags, remote: [] };
}

const one = (parsed: Parsed, flag: string) => parsed.flags.get(flag)?.at(-1);

export function kubectl(world: World, call: ToolCall): ToolAnswer {
  try {
    const parsed = parse(call.args);
    const verb = parsed.positional[0];
    const namespace = one(parsed, '-n');
    // Only a client-side dry run and a local kustomization work without the server; kubectl's words for a server that
    // does not answer (k8s.io/client-go, a dial that times out).
    if (!world.cluster.apiServerReachable && !['create', 'kustomize'].includes(verb)) {
      throw new ClusterError(`Unable to connect to the server: dial tcp ${API_SERVER_ADDRESS}: i/o timeout`);
    }
    switch (verb) {
      case 'create': return create(parsed, namespace);
      case 'apply': return apply(world, call, parsed, namespace);
      case 'kustomize': return { code: 0, stdout: kustomize(world, call, parsed.positional[1]) };
      case 'wait': return wait(world, parsed, namespace);
      case 'delete': return remove(world, call, parsed, namespace);
      case 'rollout': return rollout(world, call, parsed, namespace);
      case 'patch': return patch(world, call, parsed, namespace);
      case 'label': return label(world, call, parsed);
      case 'scale': return scale(world, call, parsed, namespace);
      case 'get': return world.reads.get(parsed.positional.slice(1), { namespace, output: one(parsed, '-o'), selector: one(parsed, '-l'), raw: one(parsed, '--raw') });
      case 'exec': return world.reads.exec(parsed.positional[1], namespace ?? 'default', one(parsed, '-c'), parsed.remote);
      default: throw new ClusterError(`error: the fake cluster does not take "kubectl ${verb}" (${call.args.join(' ')})`);
    }
  } catch (error) {
    if (error instanceof ClusterError) return { code: 1, stdout: '', stderr: `${error.message}\n` };
    throw error;
  }
}

/** `kubectl create namespace|secret generic ... --dry-run=client -o yaml`: prints the object, changes nothing. */
function create(parsed: Parsed, namespace: string | undefined): ToolAnswer {
  const [, what, ...rest] = parsed.positional;
  if (one(parsed, '--dry-run') !== 'client' || one(parsed, '-o') !== 'yaml') {
    throw new ClusterError('error: the install notes create objects only as --dry-run=client -o yaml, to pipe into kubectl apply');
  }
  let object: KubeObject;
  if (what === 'namespace' || what === 'ns') {
    object = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: rest[0] } };
  } else if ((what === 'secret' && rest[0] === 'generic') || what === 'configmap') {
    // A Secret's literals are base64 in `data`; a ConfigMap's are plain.
    const secret = what === 'secret';
    const data: Record<string, string> = {};
    for (const literal of parsed.flags.get('--from-literal') ?? []) {
      const at = literal.indexOf('=');
      if (at <= 0) throw new ClusterError(`error: invalid literal source ${literal}, expected key=value`);
      data[literal.slice(0, at)] = secret ? Buffer.from(literal.slice(at + 1), 'utf8').toString('base64') : literal.slice(at + 1);
    }
    object = { apiVersion: 'v1', kind: secret ? 'Secret' : 'ConfigMap', metadata: { name: secret ? rest[1] : rest[0], ...(namespace ? { namespace } : {}) }, data };
  } else {
    throw new ClusterError(`error: the fake cluster does not create ${what}`);
  }
  return { code: 0, stdout: yaml.dump(object, { lineWidth: -1 }) };
}

function readManifests(call: ToolCall, target: string): { objects: KubeObject[]; source: string } {
  if (target === '-') return { objects: objectsOfStream(call.stdin ?? '', 'STDIN'), source: 'STDIN' };
  const file = path.resolve(call.cwd, target);
  if (!fs.existsSync(file)) throw new ClusterError(`error: the path "${target}" does not exist`);
  if (fs.statSync(file).isDirectory()) {
    // kubectl reads the .yaml, .yml and .json files of a folder (not its sub-folders without -R), in name order.
    const files = fs.readdirSync(file).filter((name) => /\.(ya?ml|json)$/.test(name)).sort();
    return { objects: files.flatMap((name) => objectsOfStream(fs.readFileSync(path.join(file, name), 'utf8'), path.join(target, name))), source: target };
  }
  return { objects: objectsOfStream(fs.readFileSync(file, 'utf8'), target), source: target };
}

function apply(world: World, call: ToolCall, parsed: Parsed, namespace: string | undefined): ToolAnswer {
  const served = world.cluster.discovery();
  const lines: string[] = [];
  const kustomizations = parsed.flags.get('-k') ?? [];
  const files = parsed.flags.get('-f') ?? [];
  if (kustomizations.length + files.length === 0) throw new ClusterError('error: must specify one of -f and -k');
  for (const target of files) {
    const { objects, source } = readManifests(call, target);
    lines.push(...world.cluster.apply(objects, `kubectl apply -f ${source}`, served, namespace));
  }
  for (const target of kustomizations) {
    lines.push(...world.cluster.apply(objectsOfStream(kustomize(world, call, target), target), `kubectl apply -k ${target}`, served, namespace));
  }
  world.dataPlane.reconcile();
  return { code: 0, stdout: `${lines.join('\n')}\n` };
}

/** `kubectl kustomize TARGET`: a local folder is built by the real kubectl; a remote one is answered from fixtures. */
function kustomize(world: World, call: ToolCall, target: string | undefined): string {
  if (!target) throw new ClusterError('error: kustomize needs a target');
  const remote = world.remoteKustomizations(target);
  if (remote !== undefined) return remote;
  if (/^(https?:|github\.com\/|git@)/.test(target)) throw new ClusterError(`error: no fixture answers the remote kustomization ${target}`);
  const result = spawnSync(world.tools.kubectl, ['kustomize', path.resolve(call.cwd, target)], { encoding: 'utf8' });
  if (result.status !== 0) throw new ClusterError(result.stderr || `error: kubectl kustomize ${target} failed`);
  return result.stdout;
}

/** `kubectl delete -f FILE|-`, `delete KIND NAME...` or `delete KIND/NAME...`; --ignore-not-found makes a missing one no error. */
function remove(world: World, call: ToolCall, parsed: Parsed, namespace: string | undefined): ToolAnswer {
  const ignoreMissing = parsed.flags.has('--ignore-not-found');
  const targets: KubeObject[] = [];
  for (const file of parsed.flags.get('-f') ?? []) targets.push(...readManifests(call, file).objects);
  const words = parsed.positional.slice(1);
  if (words.length > 0 && !words[0].includes('/')) {
    const kind = world.cluster.kindOfResource(words[0]);
    if (!kind) throw new ClusterError(`error: the server doesn't have a resource type "${words[0]}"`);
    for (const name of words.slice(1)) targets.push({ apiVersion: 'v1', kind, metadata: { name, namespace } });
  } else {
    for (const word of words) {
      const kind = world.cluster.kindOfResource(word.slice(0, word.indexOf('/')));
      if (!kind) throw new ClusterError(`error: the server doesn't have a resource type "${word.slice(0, word.indexOf('/'))}"`);
      targets.push({ apiVersion: 'v1', kind, metadata: { name: word.slice(word.indexOf('/') + 1), namespace } });
    }
  }
  if (targets.length === 0) throw new ClusterError('error: resource(s) were provided, but no name was specified');
  const lines: string[] = [];
  for (const target of targets) {
    if (target.kind === 'Pod') {
      // Pods are the data plane's: its controller replaces a deleted one at once.
      const podNamespace = target.metadata.namespace ?? namespace ?? 'default';
      if (world.dataPlane.deletePod(podNamespace, target.metadata.name, `kubectl ${call.args.join(' ')}`)) lines.push(`pod "${target.metadata.name}" deleted`);
      else if (!ignoreMissing) throw new ClusterError(`Error from server (NotFound): pods "${target.metadata.name}" not found`);
      continue;
    }
    const existing = world.cluster.get(target.kind, target.metadata.namespace ?? namespace ?? 'default', target.metadata.name);
    if (!existing || !world.cluster.delete(existing, `kubectl ${call.args.join(' ')}`)) {
      if (!ignoreMissing) throw new ClusterError(`Error from server (NotFound): ${target.kind.toLowerCase()}s "${target.metadata.name}" not found`);
      continue;
    }
    lines.push(`${resourceName(existing)} deleted`);
  }
  world.dataPlane.reconcile();
  return { code: 0, stdout: lines.length ? `${lines.join('\n')}\n` : '' };
}

function wait(world: World, parsed: Parsed, namespace: string | undefined): ToolAnswer {
  const condition = one(parsed, '--for') ?? '';
  const resource = parsed.positional[1];
  if (!parsed.flags.has('--all')) throw new ClusterError('error: the install notes wait for --all objects of a kind');
  if (condition === 'condition=established' && /^(crd|crds|customresourcedefinitions?)$/.test(resource)) {
    const crds = world.cluster.list('CustomResourceDefinition');
    if (crds.length === 0) throw new ClusterError('error: no matching resources found');
    return { code: 0, stdout: crds.map((crd) => `${resourceName(crd)} condition met`).join('\n') + '\n' };
  }
  if (condition === 'condition=available' && /^deploy(ment)?s?$/.test(resource)) {
    const deployments = world.cluster.list('Deployment', namespace ?? 'default');
    if (deployments.length === 0) throw new ClusterError('error: no matching resources found');
    const lines: string[] = [];
    for (const deployment of deployments) {
      const blocked = world.dataPlane.whyNotAvailable(deployment);
      if (blocked) {
        return { code: 1, stdout: `${lines.join('\n')}\n`, stderr: `error: timed out waiting for the condition on ${resourceName(deployment)} (${blocked})\n` };
      }
      lines.push(`${resourceName(deployment)} condition met`);
    }
    return { code: 0, stdout: `${lines.join('\n')}\n` };
  }
  throw new ClusterError(`error: the fake cluster does not wait for ${condition} on ${resource}`);
}

/** `deployment/NAME` or `deployment NAME`. */
function deploymentArg(world: World, words: string[], namespace: string | undefined): KubeObject {
  const [resource, maybeName] = words;
  const name = resource.includes('/') ? resource.slice(resource.indexOf('/') + 1) : maybeName;
  const kind = world.cluster.kindOfResource(resource.includes('/') ? resource.slice(0, resource.indexOf('/')) : resource);
  const object = kind && name ? world.cluster.get(kind, namespace ?? 'default', name) : undefined;
  if (!object) throw new ClusterError(`Error from server (NotFound): ${kind === 'DaemonSet' ? 'daemonsets' : 'deployments'}.apps "${name}" not found`);
  return object;
}

function rollout(world: World, call: ToolCall, parsed: Parsed, namespace: string | undefined): ToolAnswer {
  if (parsed.positional[1] === 'status') {
    const workload = deploymentArg(world, parsed.positional.slice(2), namespace);
    const blocked = world.dataPlane.whyNotAvailable(workload);
    if (blocked) return { code: 1, stdout: '', stderr: `error: timed out waiting for the condition (${resourceName(workload)}: ${blocked})\n` };
    return { code: 0, stdout: `${workload.kind === 'DaemonSet' ? 'daemon set' : 'deployment'} "${workload.metadata.name}" successfully rolled out\n` };
  }
  if (parsed.positional[1] !== 'restart') throw new ClusterError(`error: the fake cluster does not take kubectl rollout ${parsed.positional[1]}`);
  const object = deploymentArg(world, parsed.positional.slice(2), namespace);
  world.cluster.restart(object, `kubectl ${call.args.join(' ')}`);
  world.dataPlane.reconcile();
  return { code: 0, stdout: `${resourceName(object)} restarted\n` };
}

function patch(world: World, call: ToolCall, parsed: Parsed, namespace: string | undefined): ToolAnswer {
  const object = structuredClone(deploymentArg(world, parsed.positional.slice(1), namespace));
  const type = one(parsed, '--type') ?? 'strategic';
  let body: unknown;
  try {
    body = JSON.parse(one(parsed, '-p') ?? '');
  } catch (error) {
    throw new ClusterError(`error: unable to parse the patch: ${(error as Error).message}`);
  }
  if (type === 'json') applyJsonPatch(object, body as JsonPatchOperation[]);
  else if (type === 'strategic') strategicMerge(object, body, '');
  else throw new ClusterError(`error: the fake cluster does not take --type=${type}`);
  world.cluster.update(object, 'patched', `kubectl ${call.args.join(' ')}`);
  world.dataPlane.reconcile();
  return { code: 0, stdout: `${resourceName(object)} patched\n` };
}

/** `kubectl scale deployment NAME --replicas=N`: the Deployment's replicas change, and its controller follows. */
function scale(world: World, call: ToolCall, parsed: Parsed, namespace: string | undefined): ToolAnswer {
  const replicas = one(parsed, '--replicas');
  if (replicas === undefined || !/^\d+$/.test(replicas)) throw new ClusterError('error: --replicas=COUNT is required, and COUNT must be greater than or equal to 0');
  const object = structuredClone(deploymentArg(world, parsed.positional.slice(1), namespace));
  object.spec.replicas = Number(replicas);
  world.cluster.update(object, 'scaled', `kubectl ${call.args.join(' ')}`);
  world.dataPlane.reconcile();
  return { code: 0, stdout: `${resourceName(object)} scaled\n` };
}

function label(world: World, call: ToolCall, parsed: Parsed): ToolAnswer {
  const [, resource, name, ...changes] = parsed.positional;
  const kind = world.cluster.kindOfResource(resource);
  const object = kind ? structuredClone(world.cluster.get(kind, undefined, name)) : undefined;
  if (!object) throw new ClusterError(`Error from server (NotFound): namespaces "${name}" not found`);
  const labels = { ...(object.metadata.labels ?? {}) };
  for (const change of changes) {
    if (change.endsWith('-')) { delete labels[change.slice(0, -1)]; continue; }
    const [key, value] = change.split('=');
    if (labels[key] !== undefined && labels[key] !== value && !parsed.flags.has('--overwrite')) {
      throw new ClusterError(`error: '${key}' already has a value (${labels[key]}), and --overwrite is false`);
    }
    labels[key] = value;
  }
  object.metadata.labels = labels;
  world.cluster.update(object, 'labelled', `kubectl ${call.args.join(' ')}`);
  return { code: 0, stdout: `${resourceName(object)} labeled\n` };
}

interface JsonPatchOperation {
  readonly op: string;
  readonly path: string;
  readonly value?: unknown;
}

/** RFC 6902 add/replace/remove, with `-` appending to a list, as the API server applies `--type=json`. */
export function applyJsonPatch(target: KubeObject, operations: JsonPatchOperation[]): void {
  for (const operation of operations) {
    const tokens = operation.path.split('/').slice(1).map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = tokens.pop()!;
    let node: any = target;
    for (const token of tokens) {
      node = Array.isArray(node) ? node[Number(token)] : node?.[token];
      if (node === undefined) throw new ClusterError(`The request is invalid: the server rejected our request due to an error in our request: doc is missing path: "${operation.path}"`);
    }
    if (operation.op === 'add' && Array.isArray(node)) {
      if (last === '-') node.push(structuredClone(operation.value));
      else node.splice(Number(last), 0, structuredClone(operation.value));
    } else if (operation.op === 'add' || operation.op === 'replace') {
      node[last] = structuredClone(operation.value);
    } else if (operation.op === 'remove') {
      if (Array.isArray(node)) node.splice(Number(last), 1);
      else delete node[last];
    } else {
      throw new ClusterError(`error: the fake cluster does not take the JSON patch op ${operation.op}`);
    }
  }
}

/**
 * A strategic merge patch for the fields of a pod template the install notes patch: lists of containers, volumes and
 * volumeMounts merge by `name` (their patchMergeKey in the Kubernetes API), other lists are replaced, maps merge.
 */
export function strategicMerge(target: any, patchBody: any, field: string): void {
  for (const [key, value] of Object.entries(patchBody ?? {})) {
    if (Array.isArray(value) && ['containers', 'initContainers', 'volumes', 'volumeMounts', 'env'].includes(key)) {
      const list: any[] = Array.isArray(target[key]) ? target[key] : (target[key] = []);
      for (const item of value) {
        const existing = list.find((candidate) => candidate.name === item.name);
        if (existing) strategicMerge(existing, item, `${field}.${key}`);
        else list.push(structuredClone(item));
      }
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      if (!target[key] || typeof target[key] !== 'object') target[key] = {};
      strategicMerge(target[key], value, `${field}.${key}`);
    } else if (value === null) {
      delete target[key];
    } else {
      target[key] = structuredClone(value);
    }
  }
}
