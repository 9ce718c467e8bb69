/**
 * What one release's injector knows once istiod has read its configuration: the injector ConfigMap's `config` and
 * `values`, the mesh config, istiod's environment, and the Go machinery for that release (mesh protos, function map,
 * text/template semantics). Shared by the legacy (1.1-1.8) and template (1.9+) injection flows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UPSTREAM_DIR } from '../istio-upstream';
import { FunctionMap, GoSemantics, GoTemplate } from './go-template';
import { GoTemplateError, Value } from './go-value';
import { injectorFunctions } from './injector-functions';
import { Json, MeshProtos, parseYamlObject } from './mesh-config';
import { ProtoSchema } from './proto-schema';
import { LabelSelector } from './webhook-match';
import { atLeast } from './releases';

const NETWORKING_DIR = path.resolve(UPSTREAM_DIR, '../istio-api-networking');

/** The injector ConfigMap's `config`, as the release's Config struct reads it. */
export interface InjectorConfig {
  readonly policy: string;
  /** 1.1-1.8: the single template. */
  readonly template?: string;
  /** 1.9+: templates by name, the default ones, aliases. */
  readonly templates: Readonly<Record<string, string>>;
  readonly defaultTemplates: readonly string[];
  readonly aliases: Readonly<Record<string, readonly string[]>>;
  readonly neverInjectSelector: readonly LabelSelector[];
  readonly alwaysInjectSelector: readonly LabelSelector[];
  readonly injectedAnnotations: Readonly<Record<string, string>>;
}

const protoCache = new Map<string, MeshProtos>();

/** The mesh protos of a release folder of test/fixtures/istio-upstream (proxy.proto, config.proto, networking). */
export function meshProtos(release: string): MeshProtos {
  let protos = protoCache.get(release);
  if (!protos) {
    const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined);
    const files = [
      read(path.join(UPSTREAM_DIR, release, 'proxy.proto')),
      read(path.join(UPSTREAM_DIR, release, 'config.proto')),
      read(path.join(NETWORKING_DIR, release, 'destination_rule.proto')),
    ].filter((text): text is string => text !== undefined);
    if (files.length < 2) throw new GoTemplateError(`no mesh .proto files for Istio ${release} in ${UPSTREAM_DIR}/${release}: give a release folder of the fixtures`);
    protos = new MeshProtos(release, new ProtoSchema(files));
    protoCache.set(release, protos);
  }
  return protos;
}

/** Everything the injection flows need, for one release and one injector configuration. */
export class InjectionContext {
  public readonly protos: MeshProtos;
  public readonly semantics: GoSemantics;
  public readonly config: InjectorConfig;
  public readonly values: Json;
  public readonly mesh: Json;
  private readonly parsed = new Map<string, GoTemplate>();

  constructor(
    public readonly release: string,
    configYaml: string,
    valuesText: string | undefined,
    meshYaml: string,
    public readonly revision: string,
    public readonly environment: Readonly<Record<string, string>>,
  ) {
    this.protos = meshProtos(release);
    // Istio 1.14 was the first release built with Go 1.18 (short-circuit and/or, break/continue, eq on missing values).
    this.semantics = { go118: atLeast(release, '1.14') };
    this.config = parseInjectorConfig(release, configYaml);
    this.values = valuesText === undefined || valuesText.trim() === '' ? {} : parseYamlObject(valuesText, 'the injector values (ConfigMap istio-sidecar-injector, key values)');
    this.mesh = this.protos.applyMeshConfig(meshYaml);
  }

  /** The release's function map for templates run on `data`. */
  public functions(data: () => Value): FunctionMap {
    return injectorFunctions({
      release: this.release,
      schema: this.protos.schema,
      environment: this.environment,
      proxyDefaults: this.protos.proxyDefaults(),
      semantics: this.semantics,
    }, data);
  }

  private currentData: Value;
  private functionMap?: FunctionMap;

  /** Parses (once) and runs template `name` with text `text` on `data`. 1.1 uses `[[ ]]` delimiters. */
  public run(name: string, text: string, data: Value): string {
    // `render` (1.2-1.13) runs its argument on the data of the template being executed.
    this.functionMap ??= this.functions(() => this.currentData);
    const key = `${name}\0${text}`;
    let template = this.parsed.get(key);
    if (!template) {
      const delimiters = atLeast(this.release, '1.2') ? {} : { leftDelim: '[[', rightDelim: ']]' };
      template = GoTemplate.parse(name, text, { functions: this.functionMap, semantics: this.semantics, ...delimiters });
      this.parsed.set(key, template);
    }
    const previous = this.currentData;
    this.currentData = data;
    try {
      return template.execute(data);
    } finally {
      this.currentData = previous;
    }
  }

  /** The `env` of istiod, with a default. */
  public env(name: string, fallback: string): string {
    return this.environment[name] || fallback;
  }
}

function parseInjectorConfig(release: string, configYaml: string): InjectorConfig {
  const raw = parseYamlObject(configYaml, 'the injector config (ConfigMap istio-sidecar-injector, key config)');
  const selectors = (value: unknown) => (Array.isArray(value) ? value as LabelSelector[] : []);
  const templates = (raw.templates ?? {}) as Record<string, string>;
  const defaultTemplates = Array.isArray(raw.defaultTemplates) && raw.defaultTemplates.length > 0 ? raw.defaultTemplates as string[] : ['sidecar'];
  if (atLeast(release, '1.9') && Object.keys(templates).length === 0) {
    throw new GoTemplateError(`the injector config of Istio ${release} has no templates (an injector config of an older release?)`);
  }
  if (!atLeast(release, '1.9') && typeof raw.template !== 'string') {
    throw new GoTemplateError(`the injector config of Istio ${release} has no template`);
  }
  return {
    policy: String(raw.policy ?? ''),
    template: typeof raw.template === 'string' ? raw.template : undefined,
    templates,
    defaultTemplates,
    aliases: (raw.aliases ?? {}) as Record<string, string[]>,
    neverInjectSelector: selectors(raw.neverInjectSelector),
    alwaysInjectSelector: selectors(raw.alwaysInjectSelector),
    injectedAnnotations: (raw.injectedAnnotations ?? {}) as Record<string, string>,
  };
}
