import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';

/**
 * A recorded cluster behind the kubectl command line, for running verify.sh without a cluster. The `kubectl` script
 * next to this file sends its arguments here over a local socket (one bash process per call instead of a node start).
 *
 * A cluster folder holds objects.json (a kubectl List of the cluster's objects, as `kubectl get -o json` prints them),
 * stats/<pod>.<n>.txt (the n-th answer of `pilot-agent request GET stats` in the pod's istio-proxy), metrics/<pod>.<n>.txt
 * (the n-th answer of the pod's metrics endpoint through `kubectl get --raw`) and pages/<host>.html (what curl inside
 * a pod gets from http://<host>:<port>/...). The state folder collects calls.log, refused.log and call counters.
 * Only reads are answered: any other verb, and exec of anything but the read-only commands verify.sh uses, is
 * refused with exit code 97 and logged to refused.log.
 */
export interface KubectlAnswer {
  readonly code: number;
  readonly stdout: string;
}

/** Serves the recorded cluster until `close`; pass `port` to the kubectl script as FAKE_CLUSTER_PORT. */
export async function serveRecordedCluster(): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const fields = buffer.toString('utf8').split('\0');
      if (fields.length < 4) return;
      const count = Number(fields[2]);
      if (fields.length < 4 + count) return;
      let answer: KubectlAnswer;
      try {
        answer = answerKubectl(fields.slice(3, 3 + count), fields[0], fields[1]);
      } catch (error) {
        answer = { code: 99, stdout: `fake kubectl: ${error}\n` };
      }
      socket.end(`${answer.code}\n${answer.stdout}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const VALUE_FLAGS = ['-o', '--output', '-n', '--namespace', '-l', '--selector', '-c', '--container', '--raw'];
const KINDS: Record<string, string> = {
  namespace: 'Namespace', namespaces: 'Namespace', ns: 'Namespace',
  secret: 'Secret', secrets: 'Secret',
  pod: 'Pod', pods: 'Pod',
  deployment: 'Deployment', deployments: 'Deployment',
  configmap: 'ConfigMap', configmaps: 'ConfigMap',
  service: 'Service', services: 'Service', svc: 'Service',
  'telemetries.telemetry.istio.io': 'Telemetry',
  'gateways.gateway.networking.k8s.io': 'Gateway',
};

/** What kubectl would print for `args` on the recorded cluster. */
export function answerKubectl(args: string[], cluster: string, state: string): KubectlAnswer {
  appendFileSync(join(state, 'calls.log'), `${args.join(' ')}\n`);
  const refuse = (): KubectlAnswer => {
    appendFileSync(join(state, 'refused.log'), `${args.join(' ')}\n`);
    return { code: 97, stdout: '' };
  };
  const fail = (): KubectlAnswer => ({ code: 1, stdout: '' });

  const flags: Record<string, string> = {};
  const positional: string[] = [];
  let remote: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') { remote = args.slice(i + 1); break; }
    const withValue = /^(-[a-z]|--[a-z]+)=(.*)$/.exec(arg);
    if (withValue && VALUE_FLAGS.includes(withValue[1])) { flags[withValue[1]] = withValue[2]; continue; }
    if (VALUE_FLAGS.includes(arg)) { flags[arg] = args[++i]; continue; }
    if (arg.startsWith('-')) return refuse();
    positional.push(arg);
  }
  const namespace = flags['-n'] ?? flags['--namespace'] ?? 'default';
  const selector = flags['-l'] ?? flags['--selector'];
  const output = flags['-o'] ?? flags['--output'];
  const verb = positional[0];

  /** The n-th recorded answer of a repeated read, the last one once they run out. */
  const nthAnswer = (folder: string, key: string): string | undefined => {
    const counter = join(state, `${folder}-${key}.count`);
    const n = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;
    writeFileSync(counter, String(n));
    for (let k = n; k >= 1; k--) {
      const file = join(cluster, folder, `${key}.${k}.txt`);
      if (existsSync(file)) return readFileSync(file, 'utf8');
    }
    return undefined;
  };

  if (verb === 'exec') {
    const command = remote.join(' ');
    if (command === 'pilot-agent request GET stats') {
      const stats = nthAnswer('stats', positional[1]);
      return stats === undefined ? fail() : { code: 0, stdout: stats };
    }
    const curl = /^curl -sS ([a-z0-9.-]+):(\d+)(\/\S*)$/.exec(command);
    if (curl) {
      const page = join(cluster, 'pages', `${curl[1]}.html`);
      return existsSync(page) ? { code: 0, stdout: readFileSync(page, 'utf8') } : { code: 7, stdout: '' };
    }
    return refuse();
  }
  if (verb !== 'get') return refuse();

  if (flags['--raw'] !== undefined) {
    const match = /^\/api\/v1\/namespaces\/[^/]+\/pods\/([^/:]+):\d+\/proxy\/metrics$/.exec(flags['--raw']);
    const metrics = match ? nthAnswer('metrics', match[1]) : undefined;
    return metrics === undefined ? fail() : { code: 0, stdout: metrics };
  }

  const kind = KINDS[positional[1]];
  if (!kind) return fail();
  const name: string | undefined = positional[2];
  const objects: any[] = JSON.parse(readFileSync(join(cluster, 'objects.json'), 'utf8')).items;
  const labelsMatch = (object: any) => !selector || selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return (object.metadata.labels ?? {})[key] === value;
  });
  const found = objects.filter((object) => object.kind === kind
    && (kind === 'Namespace' || object.metadata.namespace === namespace)
    && (name === undefined || object.metadata.name === name)
    && labelsMatch(object));
  if (name !== undefined && found.length === 0) return fail();
  const result = name !== undefined ? found[0] : { apiVersion: 'v1', kind: 'List', items: found, metadata: { resourceVersion: '' } };

  if (output === 'name') return { code: 0, stdout: `${kind.toLowerCase()}/${name}\n` };
  if (output === 'json') return { code: 0, stdout: `${JSON.stringify(result, null, 4)}\n` };
  if (output?.startsWith('jsonpath=')) return { code: 0, stdout: jsonPath(output.slice('jsonpath='.length), result) };
  return refuse();
}

interface Token {
  readonly text?: string;
  readonly expr?: string;
}

/**
 * kubectl's JSONPath, the part verify.sh uses: fields (with \. inside a key), [n], [*], [?(@.f=="v")], string
 * literals, range/end. As with kubectl get, missing keys print nothing and the results of one expression are
 * joined by a space.
 */
export function jsonPath(template: string, root: unknown): string {
  const tokens: Token[] = [];
  const re = /\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(template))) {
    if (m.index > last) tokens.push({ text: template.slice(last, m.index) });
    tokens.push({ expr: m[1].trim() });
    last = re.lastIndex;
  }
  if (last < template.length) tokens.push({ text: template.slice(last) });
  return render(tokens, 0, root)[0];
}

function render(tokens: Token[], start: number, node: unknown): [string, number] {
  let out = '';
  let i = start;
  while (i < tokens.length) {
    const { text, expr } = tokens[i];
    if (text !== undefined) {
      out += text;
    } else if (expr === 'end') {
      return [out, i + 1];
    } else if (expr!.startsWith('range ')) {
      for (const item of evaluate(expr!.slice(6).trim(), node)) out += render(tokens, i + 1, item)[0];
      i = endOfRange(tokens, i + 1);
      continue;
    } else if (expr!.startsWith('"')) {
      out += JSON.parse(expr!);
    } else {
      out += evaluate(expr!, node).map((value) => (typeof value === 'object' ? JSON.stringify(value) : String(value))).join(' ');
    }
    i++;
  }
  return [out, i];
}

function endOfRange(tokens: Token[], start: number): number {
  let depth = 1;
  for (let i = start; i < tokens.length; i++) {
    if (tokens[i].expr?.startsWith('range ')) depth++;
    if (tokens[i].expr === 'end' && --depth === 0) return i + 1;
  }
  return tokens.length;
}

function evaluate(expr: string, node: unknown): unknown[] {
  let nodes: any[] = [node];
  let rest = expr;
  while (rest.length > 0) {
    const field = /^\.((?:[^.[\\]|\\.)+)/.exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    const filter = /^\[\?\(@\.([A-Za-z0-9_]+)=="([^"]*)"\)\]/.exec(rest);
    let step: string;
    if (field) {
      const key = field[1].replace(/\\\./g, '.');
      nodes = nodes.flatMap((n) => (n && typeof n === 'object' && key in n ? [n[key]] : []));
      step = field[0];
    } else if (rest.startsWith('[*]')) {
      nodes = nodes.flatMap((n) => (Array.isArray(n) ? n : []));
      step = '[*]';
    } else if (index) {
      nodes = nodes.flatMap((n) => (Array.isArray(n) && Number(index[1]) < n.length ? [n[Number(index[1])]] : []));
      step = index[0];
    } else if (filter) {
      nodes = nodes.flatMap((n) => (Array.isArray(n) ? n.filter((item) => item && item[filter[1]] === filter[2]) : []));
      step = filter[0];
    } else {
      throw new Error(`unsupported JSONPath ${expr}`);
    }
    rest = rest.slice(step.length);
  }
  return nodes;
}
