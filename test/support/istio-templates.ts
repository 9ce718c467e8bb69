/**
 * Reads the parts of an Istio release's templates that decide whether its pods pass Pod Security, for given install
 * values: which istiod chart values the injector sees (the istio-sidecar-injector ConfigMap template), which init
 * container the injection template writes (its guard around istio-init), and the security contexts of the pod istiod
 * deploys for a Gateway API Gateway. Each reader understands the exact constructs these templates use and throws on
 * any other, so that a new shape upstream fails a test instead of being read wrongly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { UpstreamRelease } from './istio-upstream';

export const POD_SECURITY_DIR = fileURLToPath(new URL('../fixtures/istio-pod-security', import.meta.url));

/** A file of test/fixtures/istio-pod-security/<tag>/, or undefined where the release has none. */
export function podSecurityFixture(tag: string, file: string): string | undefined {
  const full = path.join(POD_SECURITY_DIR, tag, file);
  return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : undefined;
}

/** The admissionregistration.k8s.io versions a release's sidecar injector webhook is registered with (injector-webhooks.tsv). */
export function injectorWebhookVersions(tag: string): string[] {
  const row = fs.readFileSync(path.join(POD_SECURITY_DIR, 'injector-webhooks.tsv'), 'utf8').split('\n').slice(1)
    .map((line) => line.split('\t')).find(([rowTag]) => rowTag === tag);
  if (!row) throw new Error(`injector-webhooks.tsv has no row for ${tag}`);
  return row[2].split(',').map((version) => version.replace('admissionregistration.k8s.io/', ''));
}

const isMapping = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Helm's deep merge: mappings key by key, `over` winning elsewhere. */
export function helmMerge(base: Record<string, any>, over: Record<string, any>): Record<string, any> {
  const merged: Record<string, any> = { ...base };
  for (const [key, value] of Object.entries(over)) merged[key] = isMapping(merged[key]) && isMapping(value) ? helmMerge(merged[key], value) : value;
  return merged;
}

/** `.Values.a.b` of a values tree. */
function at(values: Record<string, any>, expression: string): any {
  if (expression === '.Values' || expression === '$.Values') return values;
  const match = /^\$?\.Values\.([\w.]+)$/.exec(expression);
  if (!match) throw new Error(`not a values path: ${expression}`);
  return match[1].split('.').reduce<any>((node, key) => (isMapping(node) ? node[key] : undefined), values);
}

/**
 * The values the injection and gateway templates of `tag` see when the istiod chart is installed with `userValues`:
 * the chart's defaults with the user's merged over them (and, from 1.24, `pilot.*` copied to the top level by
 * zzy_descope_legacy.yaml), then picked by the `values` key of istiod-injector-configmap.yaml.
 */
export function injectorValues(tag: string, userValues: Record<string, any>): Record<string, any> {
  let chartValues = helmMerge(UpstreamRelease.of(tag).values, userValues);
  const descope = podSecurityFixture(tag, 'zzy_descope_legacy.yaml');
  if (descope !== undefined) {
    if (!descope.includes('{{- $_ := mustMergeOverwrite $.Values (index $.Values "pilot") }}')) throw new Error(`${tag} zzy_descope_legacy.yaml: unknown shape`);
    chartValues = helmMerge(chartValues, chartValues.pilot ?? {});
  }
  const template = podSecurityFixture(tag, 'istiod-injector-configmap.yaml');
  if (template === undefined) throw new Error(`no istiod-injector-configmap.yaml for ${tag}`);
  const block = /^ {2}values: \|-\n((?:\{\{[^\n]*\}\}\n)+)/m.exec(template);
  if (!block) throw new Error(`${tag} istiod-injector-configmap.yaml: no values block`);
  const variables = new Map<string, Record<string, any>>();
  const pick = (source: string, keys: string) => {
    const from = at(chartValues, source) ?? {};
    const names = [...keys.matchAll(/"([\w-]+)"/g)].map((m) => m[1]);
    return Object.fromEntries(names.filter((name) => from[name] !== undefined).map((name) => [name, from[name]]));
  };
  let output: Record<string, any> | undefined;
  for (const statement of block[1].trim().split('\n')) {
    let match: RegExpExecArray | null;
    if ((match = /^\{\{ pick (\S+)((?: "[\w-]+")+) \| toPrettyJson \| indent 4 \}\}$/.exec(statement))) {
      output = pick(match[1], match[2]);
    } else if ((match = /^\{\{ (\$\w+) := pick (\S+)((?: "[\w-]+")+) -\}\}$/.exec(statement))) {
      variables.set(match[1], pick(match[2], match[3]));
    } else if ((match = /^\{\{ (\$\w+) = set \1 "([\w-]+)" (\$\w+) -\}\}$/.exec(statement))) {
      variables.set(match[1], { ...variables.get(match[1]), [match[2]]: variables.get(match[3]) });
    } else if ((match = /^\{\{ (\$\w+) \| toPrettyJson \| indent 4 \}\}$/.exec(statement))) {
      output = variables.get(match[1]);
    } else {
      throw new Error(`${tag} istiod-injector-configmap.yaml: unknown statement ${statement}`);
    }
  }
  if (!output) throw new Error(`${tag} istiod-injector-configmap.yaml: the values block writes nothing`);
  return output;
}

/** Go template truth: false, 0, "", nil, and empty collections are false. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isMapping(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** A template condition built from `.Values.*` paths with `or`, `and`, `not` and parentheses. */
function evaluate(condition: string, values: Record<string, any>): boolean {
  const tokens = condition.match(/\(|\)|[^\s()]+/g) ?? [];
  let position = 0;
  const term = (): boolean => {
    const token = tokens[position++];
    if (token === '(') {
      const value = call();
      if (tokens[position++] !== ')') throw new Error(`unbalanced condition: ${condition}`);
      return value;
    }
    if (token?.startsWith('.Values.')) return truthy(at(values, token));
    throw new Error(`unknown term ${token} in condition: ${condition}`);
  };
  const call = (): boolean => {
    const token = tokens[position];
    if (token === 'or' || token === 'and' || token === 'not') {
      position++;
      const operands: boolean[] = [];
      while (position < tokens.length && tokens[position] !== ')') operands.push(term());
      if (token === 'not') return !operands[0];
      return token === 'or' ? operands.some(Boolean) : operands.every(Boolean);
    }
    return term();
  };
  const result = call();
  if (position !== tokens.length) throw new Error(`unread tokens in condition: ${condition}`);
  return result;
}

/**
 * The name of the init container that sets up traffic redirection, as the injection template of `tag` writes it
 * for the injector values `values`: "istio-init" (iptables as root, NET_ADMIN, NET_RAW) or, under the
 * `{{ if <cni> -}} ... {{ else -}}` guard in front of it, the container the template writes when Istio CNI is on.
 */
export function redirectionInitContainer(tag: string, values: Record<string, any>): { name: string; guard: string } {
  const template = UpstreamRelease.of(tag).injectionTemplate;
  const match = /\{\{ if ([^}]+?) -\}\}\n\s*- name: ([\w-]+)\n\s*\{\{ else -\}\}\n\s*- name: istio-init\n/.exec(template);
  if (!match) throw new Error(`${tag} injection template: no {{ if ... }} guard in front of istio-init`);
  return { name: evaluate(match[1], helmMerge(UpstreamRelease.of(tag).values, values)) ? match[2] : 'istio-init', guard: match[1] };
}

/**
 * The template as rendered on Kubernetes 1.22 or later: the then-branch of every `{{- if .KubeVersion122 }}` (or
 * `ge .KubeVersion 122`) block
 * kept, its else-branch dropped, and template comments removed; every other directive is left as it is.
 */
function onKubernetes122(template: string): string {
  const stack: Array<{ kubeVersion: boolean; inElse: boolean }> = [];
  const kept: string[] = [];
  for (const line of template.split('\n')) {
    const directive = line.trim();
    const whole = /^\{\{-?\s*(if|with|range|else|end)\b[^}]*\}\}$/.exec(directive);
    if (/^\{\{\/\*.*\*\/\}\}$/.test(directive)) continue;
    if (whole && whole[1] !== 'else' && whole[1] !== 'end') {
      const kubeVersion = /^\{\{-?\s*if (\.KubeVersion122|ge \.KubeVersion 122)\s*-?\}\}$/.test(directive);
      stack.push({ kubeVersion, inElse: false });
      if (kubeVersion) continue;
    } else if (whole?.[1] === 'else' && stack[stack.length - 1]?.kubeVersion) {
      stack[stack.length - 1].inElse = true;
      continue;
    } else if (whole?.[1] === 'end') {
      if (stack.pop()?.kubeVersion) continue;
    }
    if (stack.every((block) => !(block.kubeVersion && block.inElse))) kept.push(line);
  }
  return kept.join('\n');
}

/**
 * The pod istiod deploys for a Gateway API Gateway at `tag`, reduced to what Pod Security reads (the pod's and the
 * proxy container's security contexts), for the injector values `values`, on Kubernetes 1.22 or later.
 */
export function gatewayPod(tag: string, values: Record<string, any>): { spec: any } {
  const template = podSecurityFixture(tag, 'gateway-deployment.yaml');
  if (template === undefined) throw new Error(`no gateway deployment template for ${tag}`);
  const modern = onKubernetes122(template);
  const podBlock = /\n {4}spec:\n {6}securityContext:\n([\s\S]*?)\n {6}serviceAccountName:/.exec(modern);
  if (!podBlock) throw new Error(`${tag} gateway template: no pod securityContext in front of serviceAccountName`);
  const known = [
    ['{{- if .Values.gateways.securityContext }}', '{{- toYaml .Values.gateways.securityContext | nindent 8 }}', '{{- else }}'],
    ['{{- if .Values.gateways.seccompProfile }}', 'seccompProfile:', '{{- toYaml .Values.gateways.seccompProfile | nindent 10 }}', '{{- end }}'],
  ];
  const lines = podBlock[1].split('\n').map((line) => line.trim()).filter(Boolean);
  const directives = lines.filter((line) => line.startsWith('{{'));
  const allowed = new Set([...known.flat().filter((line) => line.startsWith('{{')), '{{- end }}']);
  const unknown = directives.filter((line) => !allowed.has(line));
  if (unknown.length > 0) throw new Error(`${tag} gateway template: unknown directives in the pod securityContext: ${unknown.join(' ')}`);
  const readsSecurityContext = lines.includes(known[0][0]);
  const readsSeccompProfile = lines.includes(known[1][0]);
  let podSecurityContext: any;
  if (readsSecurityContext && truthy(at(values, '.Values.gateways.securityContext'))) {
    podSecurityContext = at(values, '.Values.gateways.securityContext');
  } else {
    const fixed = podBlock[1].split('\n').filter((line) => !line.trim().startsWith('{{') && line.trim() !== 'seccompProfile:').join('\n');
    podSecurityContext = (yaml.load(fixed.replace(/^ {8}/gm, '')) ?? {}) as Record<string, any>;
    if (readsSeccompProfile && truthy(at(values, '.Values.gateways.seccompProfile'))) podSecurityContext.seccompProfile = at(values, '.Values.gateways.seccompProfile');
  }
  const proxy = /\n {6}- name: istio-proxy\n[\s\S]*?\n {8}securityContext:\n((?: {10}[^\n]*\n)+)/.exec(modern);
  if (!proxy) throw new Error(`${tag} gateway template: no istio-proxy securityContext`);
  const containerYaml = proxy[1].split('\n').filter((line) => !line.trim().startsWith('#')).join('\n')
    .replace(/\{\{ \.Proxy[UG]ID \| default "(\d+)" \}\}/g, '$1');
  if (containerYaml.includes('{{')) throw new Error(`${tag} gateway template: unknown directives in the istio-proxy securityContext`);
  const containerSecurityContext = yaml.load(containerYaml.replace(/^ {10}/gm, ''));
  return { spec: { securityContext: podSecurityContext, containers: [{ name: 'istio-proxy', securityContext: containerSecurityContext }] } };
}
