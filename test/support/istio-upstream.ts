/**
 * Reads Istio's own files of one release from test/fixtures/istio-upstream/<tag>/ (verbatim upstream copies and
 * listings derived from them, see its README.md and PROVENANCE.tsv) into the facts the upstream checks need.
 * Every fact is parsed once per release and cached.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';

export const UPSTREAM_DIR = fileURLToPath(new URL('../fixtures/istio-upstream', import.meta.url));
/** The whole Helm charts (and profiles) of each release, as its archive lays them out (istio-charts/README.md). */
export const CHARTS_DIR = fileURLToPath(new URL('../fixtures/istio-charts', import.meta.url));
const GATEWAY_API_DIR = fileURLToPath(new URL('../fixtures/gateway-api', import.meta.url));
/** The gateway-api line of go.mod at boundary patches that have no folder of their own in istio-upstream (its README.md). */
const GO_MOD_DIR = fileURLToPath(new URL('../fixtures/istio-go-mod', import.meta.url));
/** The boundary patches of GO_MOD_DIR, e.g. "1.24.0". */
export const GO_MOD_BOUNDARY_RELEASES: string[] = fs.readdirSync(GO_MOD_DIR).filter((name) => /^\d+\.\d+\.\d+$/.test(name)).sort(compareReleases);
// istio/istio files that decide Pod Security (see its README.md), among them the gateway template of the Gateway API.
const POD_SECURITY_DIR = fileURLToPath(new URL('../fixtures/istio-pod-security', import.meta.url));
// istio/api's networking/v1alpha3/destination_rule.proto, where the mesh config's tlsSettings type is defined (1.6-1.14).
const NETWORKING_API_DIR = fileURLToPath(new URL('../fixtures/istio-api-networking', import.meta.url));

/** Every release folder of the fixtures, oldest first: each minor 1.1-1.30 plus boundary patches. */
export const UPSTREAM_RELEASES: string[] = fs.readdirSync(UPSTREAM_DIR)
  .filter((name) => /^\d+\.\d+\.\d+$/.test(name))
  .sort(compareReleases);

export function compareReleases(a: string, b: string): number {
  const [x, y] = [a, b].map((text) => text.split('.').map(Number));
  return x[0] - y[0] || x[1] - y[1] || (x[2] ?? 0) - (y[2] ?? 0);
}

/** Fields of one proto message: JSON (lowerCamel) name -> declared type, e.g. "defaultConfig" -> "ProxyConfig". */
export type ProtoFields = Map<string, string>;

/** Proto messages by their dotted name inside the file's package, e.g. "Tracing.Zipkin", with their source file. */
export interface ProtoMessages {
  readonly messages: Map<string, ProtoFields>;
  readonly files: Map<string, string>;
}

const PROTO_FILES = {
  mesh: ['config.proto', 'proxy.proto'],
  telemetry: ['telemetry.proto'],
  operator: ['operator.proto', 'component.proto'],
} as const;

/** Everything the checks read about one release. */
export class UpstreamRelease {
  private static readonly cache = new Map<string, UpstreamRelease>();

  /** The facts of a release folder, e.g. "1.9.9". */
  public static of(tag: string): UpstreamRelease {
    let release = UpstreamRelease.cache.get(tag);
    if (!release) {
      // A boundary patch of the chart or go.mod fixtures alone (e.g. 1.24.0) answers from those only.
      const sources = [path.join(UPSTREAM_DIR, tag), path.join(CHARTS_DIR, `istio-${tag}.tar.gz`), path.join(GO_MOD_DIR, tag)];
      if (!sources.some((source) => fs.existsSync(source))) throw new Error(`no upstream files for Istio ${tag} in ${sources.join(', ')}`);
      release = new UpstreamRelease(tag);
      UpstreamRelease.cache.set(tag, release);
    }
    return release;
  }

  private constructor(public readonly tag: string) {}

  /** Whether the release folder holds `file`. */
  public has(file: string): boolean {
    return fs.existsSync(path.join(UPSTREAM_DIR, this.tag, file));
  }

  /** The text of a verbatim file, or undefined where upstream has none. */
  public text(file: string): string | undefined {
    return readIfExists(path.join(UPSTREAM_DIR, this.tag, file));
  }

  /**
   * values.yaml of the chart that installs the control plane (istio chart 1.1-1.5, istio-discovery 1.6+). From
   * 1.21 the chart keeps its defaults under one wrapper key (`defaults`, later `_internal_defaults_do_not_set`)
   * that its templates merge into the top level, so the wrapper's keys are the chart's values.
   */
  public get values(): Record<string, any> {
    return this.memo('values', () => unwrapDefaults((yaml.load(this.text('values.yaml')
      ?? this.chartFile('manifests/charts/istio-control/istio-discovery/values.yaml') ?? '') ?? {}) as Record<string, any>));
  }

  /** values.yaml of the pilot subchart of the istio chart (1.1-1.5): its keys are set as `pilot.<key>`. */
  public get pilotValues(): Record<string, any> | undefined {
    return this.memo('pilotValues', () => {
      const text = this.text('pilot-values.yaml');
      return text === undefined ? undefined : (yaml.load(text) ?? {}) as Record<string, any>;
    });
  }

  /** The sidecar injection template: its own file from 1.2, inside the injector ConfigMap template in 1.1. */
  public get injectionTemplate(): string {
    return this.text('injection-template.yaml') ?? this.text('sidecar-injector-configmap.yaml') ?? '';
  }

  /** The gateway Deployment template of the istio chart (1.1-1.5), undefined after. */
  public get gatewayTemplate(): string | undefined {
    return this.text('gateways-deployment.yaml');
  }

  /** The Deployment template istiod writes for a Gateway API Gateway (1.16+), undefined before. */
  public get gatewayApiTemplate(): string | undefined {
    return readIfExists(path.join(POD_SECURITY_DIR, this.tag, 'gateway-deployment.yaml'));
  }

  /**
   * Messages of one API of istio/api at this release: `mesh` (config.proto, proxy.proto), `telemetry`
   * (telemetry.proto) or `operator` (operator.proto, component.proto); empty where the release has none.
   */
  public protos(api: 'mesh' | 'telemetry' | 'operator'): ProtoMessages {
    return this.memo(`protos-${api}`, () => {
      const messages = new Map<string, ProtoFields>();
      const files = new Map<string, string>();
      const texts: Array<[string, string | undefined]> = PROTO_FILES[api].map((file) => [file, this.text(file)]);
      // Messages of the mesh config's own files win over these on a name clash.
      if (api === 'mesh') texts.unshift(['destination_rule.proto', readIfExists(path.join(NETWORKING_API_DIR, this.tag, 'destination_rule.proto'))]);
      for (const [file, text] of texts) {
        if (text === undefined) continue;
        for (const [name, fields] of parseProtoMessages(text)) {
          messages.set(name, fields);
          files.set(name, file);
        }
      }
      return { messages, files };
    });
  }

  /** Served versions per "group/Kind" of the CRDs the release installs. */
  public get servedVersions(): Map<string, string[]> {
    return this.memo('servedVersions', () => {
      const served = new Map<string, string[]>();
      const listing = this.text('crd-versions.txt');
      if (listing === undefined) {
        // A boundary patch of the chart fixtures alone: the base chart's CRDs, as crd-versions.txt is derived from them.
        const crds = this.chartFile('manifests/charts/base/files/crd-all.gen.yaml') ?? this.chartFile('manifests/charts/base/crds/crd-all.gen.yaml') ?? '';
        for (const crd of yaml.loadAll(crds) as any[]) {
          if (crd?.kind !== 'CustomResourceDefinition') continue;
          served.set(`${crd.spec.group}/${crd.spec.names.kind}`, crd.spec.versions.filter((v: any) => v.served).map((v: any) => v.name));
        }
      }
      for (const line of (listing ?? '').split('\n').filter(Boolean)) {
        const [group, kind, versions] = line.split(' ');
        served.set(`${group}/${kind}`, versions.split(','));
      }
      return served;
    });
  }

  /** The files of the release's chart archive (test/fixtures/istio-charts), relative to the release folder; none without one. */
  public get chartFiles(): Set<string> {
    return this.memo('chartFiles', () => {
      if (!fs.existsSync(this.chartArchive)) return new Set<string>();
      const listing = execFileSync('tar', ['-tzf', this.chartArchive], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      return new Set(listing.split('\n').filter(Boolean).map((entry) => entry.replace(/^istio-[^/]+\//, '').replace(/\/$/, '')).filter(Boolean));
    });
  }

  /** A file of the release's chart archive, e.g. "manifests/charts/gateway/values.yaml"; undefined where it has none. */
  public chartFile(file: string): string | undefined {
    if (!this.chartFiles.has(file)) return undefined;
    return execFileSync('tar', ['-xzOf', this.chartArchive, `istio-${this.tag}/${file}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  }

  /** values.yaml of a chart folder of the archive, its defaults wrapper unwrapped (see `values`); undefined where there is no such chart. */
  public chartValues(folder: string): Record<string, any> | undefined {
    return this.memo(`chartValues-${folder}`, () => {
      const text = this.chartFile(`${folder}/values.yaml`);
      return text === undefined ? undefined : unwrapDefaults((yaml.load(text) ?? {}) as Record<string, any>);
    });
  }

  private get chartArchive(): string {
    return path.join(CHARTS_DIR, `istio-${this.tag}.tar.gz`);
  }

  /** Every path of the release's source tree that the fixtures prove exists: chart folders and every file read, with their parents. */
  public get paths(): Set<string> {
    return this.memo('paths', () => {
      const paths = new Set<string>((this.text('charts.txt') ?? '').split('\n').filter(Boolean));
      for (const file of this.chartFiles) paths.add(file);
      for (const row of provenanceRows()) {
        if (row.tag !== this.tag || row.repo !== 'istio/istio' || row.sha === '-') continue;
        let current = row.upstreamPath;
        while (current.includes('/')) {
          paths.add(current);
          current = current.slice(0, current.lastIndexOf('/'));
        }
      }
      return paths;
    });
  }

  /** Envoy tracers compiled into istio-proxy (1.12+), e.g. "envoy.tracers.zipkin"; undefined where the listing is absent. */
  public get proxyTracers(): Set<string> | undefined {
    return this.memo('proxyTracers', () => {
      const text = this.text('proxy-tracers.txt');
      return text === undefined ? undefined : new Set([...text.matchAll(/"(envoy\.tracers\.[\w.]+)"/g)].map((match) => match[1]));
    });
  }

  /**
   * The gateway-api tag whose CRDs this release builds against, from the `sigs.k8s.io/gateway-api` line of its go.mod:
   * a pseudo-version vX.Y.Z-0.<date>-<sha> is based on vX.Y.(Z-1). Undefined when go.mod has none, or replaces the
   * module with a fork (1.13-1.15), whose CRDs were never published as a tag.
   */
  public get gatewayApiTag(): string | undefined {
    const text = this.text('gateway-api.txt') ?? readIfExists(path.join(GO_MOD_DIR, this.tag, 'gateway-api.txt')) ?? '';
    if (/replace\s+sigs\.k8s\.io\/gateway-api\s+=>/.test(text)) return undefined;
    const match = /sigs\.k8s\.io\/gateway-api\s+v(\d+)\.(\d+)\.(\d+)(-0\.\d+-[0-9a-f]+)?/.exec(text);
    if (!match) return undefined;
    const [major, minor, patch] = match.slice(1, 4).map(Number);
    return match[4] ? `v${major}.${minor}.${patch - 1}` : `v${major}.${minor}.${patch}`;
  }

  /**
   * operator/pkg/tpath/tree.go of this release or, where the fixtures hold none, of the nearest earlier release
   * that has it (the fixtures keep it at each release where its list handling changed).
   */
  public get overlayTreeGo(): { tag: string; text: string } | undefined {
    for (const tag of [...UPSTREAM_RELEASES].reverse()) {
      if (compareReleases(tag, this.tag) > 0) continue;
      const text = UpstreamRelease.of(tag).text('tree.go');
      if (text !== undefined) return { tag, text };
    }
    return undefined;
  }

  private readonly memos = new Map<string, unknown>();

  private memo<T>(key: string, compute: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, compute());
    return this.memos.get(key) as T;
  }
}

/** Served versions of Gateway API kinds per gateway-api tag ("v1.2.1" -> "Gateway" -> ["v1", "v1beta1"]). */
export const GATEWAY_API_SERVED: Map<string, Map<string, string[]>> = (() => {
  const served = new Map<string, Map<string, string[]>>();
  for (const line of fs.readFileSync(path.join(GATEWAY_API_DIR, 'crd-versions.txt'), 'utf8').split('\n').filter(Boolean)) {
    const [tag, , kind, versions, , channel] = line.split(' ');
    if (channel !== undefined) continue; // the experimental channel: the served versions are those of the standard one
    if (!served.has(tag)) served.set(tag, new Map());
    served.get(tag)!.set(kind, versions.split(','));
  }
  return served;
})();

/** The opentelemetry-collector-releases tag the manifest fixture was read at: the image tag of that build. */
const COLLECTOR_RELEASE = '0.120.0';

/** The components compiled into otelcol-contrib 0.120.0, e.g. "receiver/zipkin", and its release. */
export const COLLECTOR_MANIFEST: { version: string; components: Set<string> } = (() => {
  const manifest = yaml.load(fs.readFileSync(path.join(UPSTREAM_DIR, `otelcol-contrib-${COLLECTOR_RELEASE}`, 'manifest.yaml'), 'utf8')) as Record<string, any>;
  const components = new Set<string>();
  for (const kind of ['receivers', 'processors', 'exporters', 'extensions', 'connectors']) {
    const singular = kind.slice(0, -1);
    for (const entry of manifest[kind] ?? []) {
      // "github.com/.../receiver/zipkinreceiver v0.120.0" -> "receiver/zipkin"
      const module = String(entry.gomod).split(' ')[0];
      const last = module.slice(module.lastIndexOf('/') + 1);
      components.add(`${singular}/${last.endsWith(singular) ? last.slice(0, -singular.length) : last}`);
    }
  }
  return { version: COLLECTOR_RELEASE, components };
})();

/** A chart's values with its defaults wrapper (`defaults`, later `_internal_defaults_do_not_set`, from 1.21) unwrapped. */
function unwrapDefaults(values: Record<string, any>): Record<string, any> {
  const keys = Object.keys(values);
  const wrapper = keys.length === 1 && ['defaults', '_internal_defaults_do_not_set'].includes(keys[0]) ? keys[0] : undefined;
  return wrapper ? values[wrapper] : values;
}

function readIfExists(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

interface ProvenanceRow { readonly file: string; readonly repo: string; readonly tag: string; readonly upstreamPath: string; readonly sha: string }

let provenance: ProvenanceRow[] | undefined;
function provenanceRows(): ProvenanceRow[] {
  provenance ??= fs.readFileSync(path.join(UPSTREAM_DIR, 'PROVENANCE.tsv'), 'utf8').split('\n').slice(1).filter(Boolean)
    .map((line) => {
      const [file, repo, , upstreamPath, sha] = line.split('\t');
      return { file, repo, tag: file.split("/")[0], upstreamPath, sha };
    });
  return provenance;
}

/** "default_config" -> "defaultConfig": the JSON name protobuf gives a field. */
export function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * The messages of a .proto file with their fields: a small reader of the proto3 grammar that Istio's API files
 * use (nested messages, oneofs, enums, maps, options), enough to look fields up by name.
 */
export function parseProtoMessages(text: string): Map<string, ProtoFields> {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  const tokens = code.match(/[{};]|[^\s{};]+(?:\s*<[^>]*>)?/g) ?? [];
  const messages = new Map<string, ProtoFields>();
  // Each open brace is a message (its dotted name), or a block whose fields belong to the enclosing message (oneof), or a skipped block.
  const stack: Array<{ kind: 'message' | 'oneof' | 'skip'; name?: string }> = [];
  let statement: string[] = [];
  const currentMessage = () => [...stack].reverse().find((entry) => entry.kind !== 'oneof');
  for (const token of tokens) {
    if (token === '{') {
      const [keyword, name] = statement;
      const parent = currentMessage();
      if (keyword === 'message' && (!parent || parent.kind === 'message')) {
        const full = parent?.name ? `${parent.name}.${name}` : name;
        messages.set(full, new Map());
        stack.push({ kind: 'message', name: full });
      } else if (keyword === 'oneof' && parent?.kind === 'message') {
        stack.push({ kind: 'oneof' });
      } else {
        stack.push({ kind: 'skip' });
      }
      statement = [];
    } else if (token === '}') {
      stack.pop();
      statement = [];
    } else if (token === ';') {
      const parent = currentMessage();
      const inMessage = parent?.kind === 'message' && stack[stack.length - 1].kind !== 'skip';
      const equals = statement.indexOf('=');
      if (inMessage && equals >= 2 && !['option', 'reserved', 'extensions'].includes(statement[0])) {
        const words = statement[0] === 'repeated' || statement[0] === 'optional' ? statement.slice(1) : statement;
        const type = words.slice(0, equals - (statement.length - words.length) - 1).join(' ');
        const name = words[equals - (statement.length - words.length) - 1];
        messages.get(parent!.name!)!.set(jsonName(name), type);
      }
      statement = [];
    } else {
      statement.push(token);
    }
  }
  return messages;
}

/** The message a field type names, looked up from the scope of `fromMessage` outwards, as protobuf resolves names. */
export function resolveMessage(protos: ProtoMessages, fromMessage: string, type: string): string | undefined {
  const parts = fromMessage.split('.');
  for (let depth = parts.length; depth >= 0; depth--) {
    const candidate = [...parts.slice(0, depth), type].join('.');
    if (protos.messages.has(candidate)) return candidate;
  }
  // A package-qualified name of the same package, e.g. istio.mesh.v1alpha1.ProxyConfig.
  const unqualified = type.replace(/^([a-z][a-z0-9_]*\.)+/, '');
  return unqualified !== type && protos.messages.has(unqualified) ? unqualified : undefined;
}
