/**
 * The function map Istio's sidecar injector gives its templates, per release, ported from its Go source:
 *   1.1-1.8   pilot/pkg/kube/inject/inject.go (1.1-1.3), pkg/kube/inject/inject.go (1.4-1.8): injectionData's funcMap
 *   1.9+      pkg/kube/inject/template.go: CreateInjectionFuncmap / InjectionFuncmap
 * From 1.8 the templates also get sprig's TxtFuncMap, with Istio's functions taking precedence (inject.go,
 * parseDryTemplate: `Funcs(sprig.TxtFuncMap()).Funcs(funcMap)`); `render` (1.2-1.13) re-runs a template on the same
 * data. The gateway controller of 1.16-1.17 (pilot/pkg/config/kube/gateway/templates.go) has its own small map.
 */
import { FunctionMap, GoFunction, GoTemplate, GoSemantics } from './go-template';
import { goJsonMarshal, goYamlMarshal } from './go-encoding';
import {
  ANY, BOOL, GoType, GoValue, INT, STRING, STRING_MAP, Value, formatValue, fromInterface, isNil, ptrTo, sliceOf, toJSONData,
} from './go-value';
import { CONTAINER, OBJECT_META } from './kube-types';
import { DURATION, ProtoSchema, durationNanos, formatGoDuration } from './proto-schema';
import { SPRIG_FUNCTIONS } from './sprig';
import { atLeast, availableFrom } from './releases';

/** What the functions need besides their arguments. */
export interface InjectorFunctionContext {
  readonly release: string;
  readonly schema: ProtoSchema;
  /** istiod's environment, which `env` reads (the istiod Deployment's literal env values). */
  readonly environment: Readonly<Record<string, string>>;
  /** DefaultProxyConfig() of the release in proto JSON, for protoToJSON's cleanProxyConfig (1.6+). */
  readonly proxyDefaults: Readonly<Record<string, unknown>>;
  readonly semantics: GoSemantics;
}

const str = (value: Value) => (value?.data as string | undefined) ?? '';
const text = (value: string) => new GoValue(STRING, value);
const CONTAINERS = sliceOf(CONTAINER);
const PROTO_MESSAGE: GoType = {
  kind: 'interface',
  name: 'proto.Message',
  implementedBy: (type) => type.kind === 'ptr' && type.elem.kind === 'struct' && Boolean(type.elem.proto),
};

/** strings.Split(portsString, ",") as splitPorts does. */
const splitPorts = (ports: string) => ports.split(',');

/** getContainerPorts: the containers' ports, comma-joined; from 1.4 UDP and SCTP ports are skipped. */
function containerPorts(release: string, containers: Value, include: (name: string) => boolean): string {
  const parts: string[] = [];
  for (const container of ((containers?.data as Array<Record<string, unknown>> | null) ?? [])) {
    if (!include(String(container.name ?? ''))) continue;
    for (const port of (container.ports as Array<Record<string, unknown>> | undefined) ?? []) {
      if (atLeast(release, '1.4') && (port.protocol === 'UDP' || port.protocol === 'SCTP')) continue;
      parts.push(String(port.containerPort ?? 0));
    }
  }
  return parts.join(',');
}

/** The JSON map of a map[string]string argument (nil: null). */
const stringMap = (value: Value) => (value?.data as Record<string, string> | null) ?? null;

function sortedMap(map: Record<string, string> | null): Record<string, string> | null {
  if (!map) return null;
  return Object.fromEntries(Object.keys(map).sort().map((key) => [key, map[key]]));
}

/** cleanProxyConfig (1.6+): fields equal to DefaultProxyConfig()'s are dropped, to keep PROXY_CONFIG short. */
function cleanProxyConfig(release: string, config: Record<string, unknown>, defaults: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const fields = ['configPath', 'binaryPath', 'serviceCluster', 'drainDuration', 'discoveryAddress', 'envoyMetricsService',
    'envoyAccessLogService', 'tracing', 'proxyAdminPort', 'statNameLength', 'statusPort', 'concurrency'];
  if (atLeast(release, '1.7')) fields.push('controlPlaneAuthPolicy', 'terminationDrainDuration');
  if (!atLeast(release, '1.17')) fields.push('parentShutdownDuration');
  const out = { ...config };
  for (const field of fields) {
    if (JSON.stringify(canonical(out[field])) === JSON.stringify(canonical(defaults[field]))) delete out[field];
  }
  if (atLeast(release, '1.9') && out.proxyMetadata && Object.keys(out.proxyMetadata as object).length === 0) delete out.proxyMetadata;
  return out;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  return value ?? null;
}

/** omitNil (1.28.6+, 1.29.1+, 1.30+): nil values removed from maps and slices, recursively; a map or slice left empty becomes nil. */
function omitNil(data: unknown): unknown {
  if (data === null || data === undefined) return null;
  if (Array.isArray(data)) {
    const kept = data.map(omitNil).filter((item) => item !== null);
    return kept.length === 0 && data.some((item) => item === null || omitNil(item) === null) ? null : kept;
  }
  if (typeof data === 'object') {
    const entries = Object.entries(data).map(([key, value]) => [key, omitNil(value)] as const).filter(([, value]) => value !== null);
    const changed = entries.length !== Object.keys(data).length;
    if (changed && entries.length === 0) return null;
    return Object.fromEntries(entries);
  }
  return data;
}

/** Go's appendMultusNetwork (1.8, 1.9, 1.23 forms). */
function appendMultusNetwork(release: string, existing: string, network: string): string {
  if (existing === '') return network;
  const i = existing.lastIndexOf(']');
  if (i !== -1) {
    if (!atLeast(release, '1.9')) return `${existing.slice(0, i)}, {"name": "${network}"}${existing.slice(i)}`;
    let networks: Array<Record<string, unknown>>;
    try {
      networks = JSON.parse(existing);
    } catch {
      return existing;
    }
    const [ns, name] = atLeast(release, '1.23') && network.includes('/') ? network.split('/', 2) : ['', network];
    for (const entry of networks) {
      if (entry.name === name && (!atLeast(release, '1.23') || (entry.namespace ?? '') === ns)) return existing;
    }
    const json = ns === '' ? `, {"name": "${name}"}` : `, {"name": "${name}", "namespace": "${ns}"}`;
    return existing.slice(0, i) + json + existing.slice(i);
  }
  if (atLeast(release, '1.9')) for (const entry of existing.split(',')) if (entry.trim() === network) return existing;
  return `${existing}, ${network}`;
}

/** otelResourceAttributes (1.30): OTel service attributes when a provider asks for OTEL_SEMANTIC_CONVENTIONS. */
function otelResourceAttributes(mesh: Value, annotations: Record<string, string>, labels: Record<string, string>, namespace: string, containers: Array<Record<string, unknown>>): string {
  const providers = (((mesh?.data ?? {}) as Record<string, unknown>).extensionProviders ?? []) as Array<Record<string, unknown>>;
  const enabled = providers.some((provider) => (provider.opentelemetry as Record<string, unknown> | undefined)?.serviceAttributeEnrichment === 'OTEL_SEMANTIC_CONVENTIONS');
  if (!enabled) return '';
  const attrs: string[] = [];
  if (annotations['resource.opentelemetry.io/service.namespace']) attrs.push(`service.namespace=${annotations['resource.opentelemetry.io/service.namespace']}`);
  else if (namespace !== '') attrs.push(`service.namespace=${namespace}`);
  if (annotations['resource.opentelemetry.io/service.version']) attrs.push(`service.version=${annotations['resource.opentelemetry.io/service.version']}`);
  else if (labels['app.kubernetes.io/version']) attrs.push(`service.version=${labels['app.kubernetes.io/version']}`);
  else if (containers.length === 1) {
    let image = String(containers[0].image ?? '');
    let digest = '';
    const at = image.indexOf('@');
    if (at >= 0) {
      digest = image.slice(at + 1);
      image = image.slice(0, at);
    }
    const tag = image.lastIndexOf(':') > image.lastIndexOf('/') ? image.slice(image.lastIndexOf(':') + 1) : '';
    if (tag && digest) attrs.push(`service.version=${tag}@${digest}`);
    else if (digest) attrs.push(`service.version=${digest}`);
    else if (tag) attrs.push(`service.version=${tag}`);
  }
  if (annotations['resource.opentelemetry.io/service.instance.id']) attrs.push(`service.instance.id=${annotations['resource.opentelemetry.io/service.instance.id']}`);
  else if (containers.length > 0) attrs.push(`service.instance.id=${namespace}.$(POD_NAME).${String(containers[0].name ?? '')}`);
  return attrs.join(',');
}

/** The injector's own functions at `release` (without sprig and render). */
function istioFunctions(context: InjectorFunctionContext): Record<string, GoFunction> {
  const { release } = context;
  const functions: Record<string, GoFunction> = {
    formatDuration: {
      params: [ptrTo(DURATION)],
      // gogo's DurationFromProto fails on nil and the function then answers "1s" (up to 1.13); AsDuration gives 0s.
      call: ([duration]) => text(duration && !isNil(duration) ? formatGoDuration(durationNanos(duration)) : atLeast(release, '1.14') ? '0s' : '1s'),
    },
    isset: { params: [STRING_MAP, STRING], call: ([map, key]) => new GoValue(BOOL, Object.prototype.hasOwnProperty.call(stringMap(map) ?? {}, str(key))) },
    excludeInboundPort: {
      params: [ANY, STRING],
      call: ([port, excluded]) => {
        const portText = (port === undefined || isNil(port) ? '<nil>' : formatArgument(port)).trim();
        const list = str(excluded);
        if (portText.length === 0 || portText === '0') return text(list);
        const out: string[] = [];
        for (const entry of splitPorts(list)) {
          if (entry === portText) return text(list);
          if (entry.trim().length > 0) out.push(entry.trim());
        }
        out.push(portText);
        return text(out.join(','));
      },
    },
    includeInboundPorts: { params: [CONTAINERS], call: ([containers]) => text(containerPorts(release, containers, () => true)) },
    kubevirtInterfaces: { params: [STRING], call: ([value]) => text(str(value)) },
    applicationPorts: { params: [CONTAINERS], call: ([containers]) => text(containerPorts(release, containers, (name) => name !== 'istio-proxy')) },
    annotation: {
      params: [OBJECT_META, STRING, ANY],
      call: ([meta, name, fallback]) => {
        const annotations = (((meta?.data ?? {}) as Record<string, unknown>).annotations ?? {}) as Record<string, string>;
        if (Object.prototype.hasOwnProperty.call(annotations, str(name))) return text(annotations[str(name)]);
        return text(fallback === undefined || isNil(fallback) ? '<nil>' : formatArgument(fallback));
      },
    },
    valueOrDefault: atLeast(release, '1.2')
      ? { params: [ANY, ANY], call: ([value, fallback]) => (value === undefined || isNil(value) || (value.type.kind === 'string' && value.data === '') ? fallback : value) }
      : { params: [STRING, STRING], call: ([value, fallback]) => (str(value) === '' ? fallback : value) },
    toJSON: { params: [STRING_MAP], call: ([map]) => text(stringMap(map) === null ? '{}' : goJsonMarshal(sortedMap(stringMap(map)))) },
    fromJSON: {
      params: [STRING],
      call: ([json]) => {
        try {
          return fromInterface(JSON.parse(str(json)));
        } catch {
          return text('{}');
        }
      },
    },
    toYaml: { params: [ANY], call: ([value]) => text(goYamlMarshal(toJSONData(value))) },
    indent: {
      params: [INT, STRING],
      call: ([spaces, source]) => text(str(source).split('\n').map((line, i) => (i > 0 ? ' '.repeat(spaces!.data as number) + line : line)).join('\n')),
    },
    directory: {
      params: [STRING],
      // path.Split: everything up to and including the last slash.
      call: ([file]) => text(str(file).slice(0, str(file).lastIndexOf('/') + 1)),
    },
  };
  if (!atLeast(release, '1.19')) functions.toJson = functions.toJSON;
  if (atLeast(release, '1.2')) functions.contains = { params: [STRING, STRING], call: ([needle, haystack]) => new GoValue(BOOL, str(haystack).includes(str(needle))) };
  if (atLeast(release, '1.3')) {
    functions.toLower = { params: [STRING], call: ([value]) => text(str(value).toLowerCase()) };
    functions.structToJSON = { params: [ANY], call: ([value]) => text(value === undefined || isNil(value) ? '{}' : goJsonMarshal(toJSONData(value))) };
  }
  if (atLeast(release, '1.4')) {
    functions.protoToJSON = {
      params: [PROTO_MESSAGE],
      call: ([message]) => {
        if (!message || isNil(message)) return text('{}');
        let json = context.schema.toJsonpb(message) as Record<string, unknown>;
        const isProxyConfig = message.type.kind === 'ptr' && message.type.elem.name.endsWith('.ProxyConfig');
        if (atLeast(release, '1.6') && isProxyConfig) {
          json = context.schema.toJsonpb(new GoValue(message.type, cleanProxyConfig(release, message.data as Record<string, unknown>, context.proxyDefaults))) as Record<string, unknown>;
        }
        return text(goJsonMarshal(json));
      },
    };
  }
  if (atLeast(release, '1.8')) functions.appendMultusNetwork = { params: [STRING, STRING], call: ([existing, network]) => text(appendMultusNetwork(release, str(existing), str(network))) };
  if (atLeast(release, '1.9')) {
    functions.env = { params: [STRING, STRING], call: ([key, fallback]) => text(context.environment[str(key)] || str(fallback)) };
  }
  if (atLeast(release, '1.15')) functions.excludeInterfaces = functions.kubevirtInterfaces;
  if (atLeast(release, '1.18')) {
    Object.assign(functions, stringMapFunctions());
    functions.toJsonMap = {
      params: [STRING_MAP],
      variadic: true,
      call: (maps) => text(maps.length === 0 ? 'null' : goJsonMarshal(sortedMap(mergeMaps(maps)))),
    };
  }
  if (atLeast(release, '1.21')) functions.mergeMaps = { params: [STRING_MAP], variadic: true, call: (maps) => new GoValue(STRING_MAP, maps.length === 0 ? null : mergeMaps(maps)) };
  // omitNil came with 1.30 and was backported to 1.28.6 and 1.29.1.
  if (availableFrom(release, ['1.28.6', '1.29.1', '1.30.0'])) functions.omitNil = { params: [ANY], call: ([value]) => fromInterface(omitNil(toJSONData(value))) };
  if (atLeast(release, '1.30')) {
    functions.otelResourceAttributes = {
      params: [ptrTo(context.schema.message('istio.mesh.v1alpha1.MeshConfig')), STRING_MAP, STRING_MAP, STRING, CONTAINERS],
      call: ([mesh, annotations, labels, namespace, containers]) => text(otelResourceAttributes(mesh, stringMap(annotations) ?? {}, stringMap(labels) ?? {}, str(namespace), (containers?.data as Array<Record<string, unknown>>) ?? [])),
    };
  }
  return functions;
}

function mergeMaps(maps: Value[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const map of maps) Object.assign(out, stringMap(map) ?? {});
  return out;
}

/** omit and strdict on map[string]string, shared by the injector (1.18+) and the 1.16-1.17 gateway templates. */
function stringMapFunctions(): Record<string, GoFunction> {
  return {
    omit: {
      params: [STRING_MAP, STRING],
      variadic: true,
      call: ([map, ...keys]) => {
        const drop = new Set(keys.map(str));
        return new GoValue(STRING_MAP, Object.fromEntries(Object.entries(stringMap(map) ?? {}).filter(([key]) => !drop.has(key))));
      },
    },
    strdict: {
      params: [STRING],
      variadic: true,
      call: (values) => {
        const dict: Record<string, string> = {};
        for (let i = 0; i < values.length; i += 2) dict[str(values[i])] = i + 1 < values.length ? str(values[i + 1]) : '';
        return new GoValue(STRING_MAP, dict);
      },
    },
  };
}

/** fmt.Sprint of one argument, as getAnnotation and excludeInboundPort format theirs. */
function formatArgument(value: GoValue): string {
  if (value.type.kind === 'ptr' && value.data !== null) return formatArgument(new GoValue(value.type.elem, value.data));
  return formatValue(value);
}

/**
 * The functions of the injector's templates at `context.release`; `data` is what `render` (1.2-1.13) runs a
 * template on (the same SidecarTemplateData).
 */
export function injectorFunctions(context: InjectorFunctionContext, data: () => Value): FunctionMap {
  const { release } = context;
  const functions: Record<string, GoFunction> = {
    ...(atLeast(release, '1.8') ? SPRIG_FUNCTIONS : {}),
    ...istioFunctions(context),
  };
  if (atLeast(release, '1.2') && !atLeast(release, '1.14')) {
    functions.render = {
      params: [STRING],
      call: ([template]) => {
        try {
          return text(GoTemplate.parse('inject', str(template), { functions, semantics: context.semantics }).execute(data()));
        } catch {
          return text('');
        }
      },
    };
  }
  return functions;
}

/** The 1.16-1.17 gateway controller's templates: sprig, strdict, toYamlMap and omit (templates.go). */
export function gatewayTemplateFunctions(): FunctionMap {
  return {
    ...SPRIG_FUNCTIONS,
    ...stringMapFunctions(),
    toYamlMap: {
      params: [STRING_MAP],
      variadic: true,
      call: (maps) => text(goYamlMarshal(maps.length === 0 ? null : sortedMap(mergeMaps(maps))).replace(/\n$/, '')),
    },
  };
}

