/**
 * Istio's mesh config messages (ProxyConfig, MeshConfig) as Go types, read from the release's own .proto files
 * (test/fixtures/istio-upstream/<tag>/proxy.proto, config.proto, and istio/api's networking destination_rule.proto
 * where the fixtures keep it), with the protobuf-Go conventions templates rely on:
 *
 * - a message is a struct; its fields have protoc-gen-go's CamelCase names (`proxy_listen_port` -> ProxyListenPort)
 *   and every field has a nil-safe getter (`GetTracing` on a nil *ProxyConfig returns a nil *Tracing);
 * - members of a oneof are reachable only through their getters (`.GetTracing.GetLightstep`), as in Go;
 * - enums print their value's name (String()); Duration and the wrapper types are messages with Seconds/Nanos and
 *   Value; the JSON form is proto3's (lowerCamel names, "45s", bare wrapper values, enum names).
 *
 * Also jsonpb: marshalling (protoToJSON) and applying YAML/JSON onto a message (mesh.ApplyMeshConfig), with the
 * merge semantics of gogo/protobuf's jsonpb (Istio up to 1.13: nested messages and maps merge) or of
 * golang/protobuf's (1.14 on: a field present in the JSON replaces the field).
 */
import {
  BOOL, EnumType, FLOAT32, FLOAT64, GoMethod, GoTemplateError, GoType, GoValue, INT32, INT64, STRING, StructField,
  StructType, UINT32, UINT64, fromData, mapOf, ptrTo, sliceOf, zero,
} from './go-value';

interface ProtoField {
  readonly name: string;
  readonly number: number;
  /** The declared type, e.g. "string", "google.protobuf.Duration", "Tracing.Zipkin". */
  readonly type: string;
  readonly repeated: boolean;
  readonly map?: { readonly key: string; readonly value: string };
  readonly oneof?: string;
}

interface ProtoMessage {
  readonly fullName: string;
  readonly fields: ProtoField[];
  /** Oneof names in declaration order, each with the index of its first member among the fields. */
  readonly oneofs: string[];
}

interface ProtoEnum {
  readonly fullName: string;
  readonly values: Array<[string, number]>;
}

/** protoc-gen-go's CamelCase: `drain_duration` -> DrainDuration, `x509_cert` -> X509Cert. */
export function goFieldName(protoName: string): string {
  let out = '';
  let i = 0;
  if (protoName.startsWith('_')) {
    out += 'X';
    i++;
  }
  for (; i < protoName.length; i++) {
    let c = protoName[i];
    if (c === '_' && /[a-z]/.test(protoName[i + 1] ?? '')) continue;
    if (/[0-9]/.test(c)) {
      out += c;
      continue;
    }
    if (/[a-z]/.test(c)) c = c.toUpperCase();
    out += c;
    while (/[a-z]/.test(protoName[i + 1] ?? '')) out += protoName[++i];
  }
  return out;
}

/** protoc's JSON name: underscores dropped, the letter after each one upper-cased. */
export function protoJsonName(protoName: string): string {
  return protoName.replace(/_([a-zA-Z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** Reads the messages and enums of a .proto file (proto3 as istio/api writes it), with fully qualified names. */
function parseProtoFile(text: string, messages: Map<string, ProtoMessage>, enums: Map<string, ProtoEnum>): void {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  const tokens = code.match(/"(?:[^"\\]|\\.)*"|[{};=<>,[\]()]|[^\s{};=<>,[\]()"]+/g) ?? [];
  let pkg = '';
  const stack: Array<{ kind: 'message' | 'enum' | 'oneof' | 'skip'; name: string; oneof?: string }> = [];
  let statement: string[] = [];
  const scope = () => [pkg, ...stack.filter((entry) => entry.kind === 'message').map((entry) => entry.name)].filter(Boolean).join('.');
  for (const token of tokens) {
    if (token === '{') {
      const [keyword, name] = statement;
      const top = stack[stack.length - 1];
      if (keyword === 'message' && (!top || top.kind === 'message')) {
        const fullName = `${scope()}.${name}`;
        messages.set(fullName, { fullName, fields: [], oneofs: [] });
        stack.push({ kind: 'message', name });
      } else if (keyword === 'enum' && (!top || top.kind === 'message')) {
        const fullName = `${scope()}.${name}`;
        enums.set(fullName, { fullName, values: [] });
        stack.push({ kind: 'enum', name: fullName });
      } else if (keyword === 'oneof' && top?.kind === 'message') {
        messages.get(scope())!.oneofs.push(name);
        stack.push({ kind: 'oneof', name, oneof: name });
      } else {
        stack.push({ kind: 'skip', name: keyword ?? '' });
      }
      statement = [];
    } else if (token === '}') {
      stack.pop();
      statement = [];
    } else if (token === ';') {
      const top = stack[stack.length - 1];
      if (!top && statement[0] === 'package') pkg = statement[1];
      if (top?.kind === 'enum' && statement.length >= 3 && statement[1] === '=' && statement[0] !== 'option') {
        enums.get(top.name)!.values.push([statement[0], Number(statement[2])]);
      } else if ((top?.kind === 'message' || top?.kind === 'oneof') && !['option', 'reserved', 'extensions'].includes(statement[0]) && statement.includes('=')) {
        const message = messages.get(scope())!;
        const words = [...statement];
        const repeated = words[0] === 'repeated';
        if (repeated || words[0] === 'optional') words.shift();
        let map: ProtoField['map'];
        let type: string;
        if (words[0] === 'map') {
          // map < key , value > name = number
          map = { key: words[2], value: words[4] };
          type = `map<${map.key},${map.value}>`;
          words.splice(0, 6);
        } else {
          type = words.shift()!;
        }
        const [name, , number] = words;
        message.fields.push({ name, number: Number(number), type, repeated, map, oneof: top.kind === 'oneof' ? top.oneof : undefined });
      }
      statement = [];
    } else {
      statement.push(token);
    }
  }
}

const SCALARS: Record<string, GoType> = {
  string: STRING, bool: BOOL, int32: INT32, sint32: INT32, sfixed32: INT32, int64: INT64, sint64: INT64, sfixed64: INT64,
  uint32: UINT32, fixed32: UINT32, uint64: UINT64, fixed64: UINT64, double: FLOAT64, float: FLOAT32, bytes: STRING,
};

/** Go's time.Duration.String(): "45s", "1m0s", "1h2m3.5s", "500ms", "0s". */
export function formatGoDuration(totalNanos: number): string {
  if (totalNanos === 0) return '0s';
  const negative = totalNanos < 0;
  let nanos = Math.abs(totalNanos);
  const sign = negative ? '-' : '';
  const trim = (text: string) => text.replace(/\.?0+$/, '');
  if (nanos < 1e9) {
    if (nanos < 1e3) return `${sign}${nanos}ns`;
    if (nanos < 1e6) return `${sign}${trim((nanos / 1e3).toFixed(3))}µs`;
    return `${sign}${trim((nanos / 1e6).toFixed(6))}ms`;
  }
  const hours = Math.floor(nanos / 3600e9);
  nanos -= hours * 3600e9;
  const minutes = Math.floor(nanos / 60e9);
  nanos -= minutes * 60e9;
  const seconds = trim((nanos / 1e9).toFixed(9));
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** time.ParseDuration of the forms JSON durations take ("45s", "1.5s", "1m0s", "100ms"), in nanoseconds. */
export function parseGoDuration(text: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const match = /^([-+]?)((?:\d*\.?\d+(?:ns|us|µs|ms|s|m|h))+)$/.exec(text.trim());
  if (!match) {
    if (text.trim() === '0') return 0;
    throw new GoTemplateError(`bad Duration: time: invalid duration ${JSON.stringify(text)}`);
  }
  let total = 0;
  for (const part of match[2].matchAll(/(\d*\.?\d+)(ns|us|µs|ms|s|m|h)/g)) total += Number(part[1]) * units[part[2]];
  return Math.round(match[1] === '-' ? -total : total);
}

/** jsonpb's Duration form: seconds with 0, 3, 6 or 9 decimals ("45s", "1.500s"). */
function jsonpbDuration(seconds: number, nanos: number): string {
  let text = `${Math.abs(seconds)}.${String(Math.abs(nanos)).padStart(9, '0')}`;
  text = text.replace(/000$/, '').replace(/000$/, '').replace(/\.000$/, '');
  return `${seconds < 0 || nanos < 0 ? '-' : ''}${text}s`;
}

function getter(field: StructField): GoMethod {
  return {
    params: [],
    call: (receiver) => {
      if (receiver.data === null || receiver.data === undefined) return zero(field.type);
      return fromData(field.type, (receiver.data as Record<string, unknown>)[field.json]);
    },
  };
}

/** google.protobuf.Duration, as a Go message pointer's element: {Seconds, Nanos}; JSON "1.5s". */
export const DURATION: StructType = (() => {
  const fields: StructField[] = [
    { name: 'Seconds', json: 'seconds', type: INT64 },
    { name: 'Nanos', json: 'nanos', type: INT32 },
  ];
  return {
    kind: 'struct',
    name: 'types.Duration',
    proto: true,
    fields: () => fields,
    methods: () => ({ GetSeconds: getter(fields[0]), GetNanos: getter(fields[1]) }),
    fromJSON: (data) => {
      if (typeof data === 'string') {
        const nanos = parseGoDuration(data);
        return { seconds: Math.trunc(nanos / 1e9), nanos: nanos % 1e9 };
      }
      if (typeof data === 'object' && data !== null) return data as Record<string, unknown>;
      throw new GoTemplateError(`bad Duration: ${JSON.stringify(data)}`);
    },
    toJSON: (value) => {
      const { seconds = 0, nanos = 0 } = value.data as { seconds?: number; nanos?: number };
      return jsonpbDuration(seconds, nanos);
    },
  };
})();

/** Nanoseconds of a Duration value (nil: 0). */
export function durationNanos(value: GoValue): number {
  if (value.data === null || value.data === undefined) return 0;
  const { seconds = 0, nanos = 0 } = value.data as { seconds?: number; nanos?: number };
  return seconds * 1e9 + nanos;
}

const WRAPPERS: Record<string, GoType> = {
  BoolValue: BOOL, StringValue: STRING, BytesValue: STRING, Int32Value: INT32, UInt32Value: UINT32, Int64Value: INT64,
  UInt64Value: UINT64, FloatValue: FLOAT32, DoubleValue: FLOAT64,
};

function wrapperType(name: string, inner: GoType): StructType {
  const fields: StructField[] = [{ name: 'Value', json: 'value', type: inner }];
  return {
    kind: 'struct',
    name: `types.${name}`,
    proto: true,
    fields: () => fields,
    methods: () => ({ GetValue: getter(fields[0]) }),
    fromJSON: (data) => (typeof data === 'object' && data !== null && 'value' in (data as object) ? data as Record<string, unknown> : { value: data }),
    toJSON: (value) => (value.data as { value?: unknown }).value ?? zero(inner).data,
  };
}

const WRAPPER_TYPES = new Map(Object.entries(WRAPPERS).map(([name, inner]) => [name, wrapperType(name, inner)]));

/** A message type this release's files do not define (e.g. a networking type whose .proto is not kept). */
function unknownMessage(fullName: string): StructType {
  return {
    kind: 'struct',
    name: fullName,
    proto: true,
    fields: () => {
      throw new GoTemplateError(`protobuf message ${fullName} is not in the .proto files kept for this release, so its fields are unknown`);
    },
    toJSON: (value) => value.data,
  };
}

/** The Go types of one release's mesh config protos, built lazily and cached. */
export class ProtoSchema {
  private readonly messages = new Map<string, ProtoMessage>();
  private readonly enums = new Map<string, ProtoEnum>();
  private readonly types = new Map<string, GoType>();

  /** `files`: the text of each .proto file (any order). */
  constructor(files: readonly string[]) {
    for (const text of files) parseProtoFile(text, this.messages, this.enums);
  }

  /** The struct type of a message by its fully qualified name, e.g. "istio.mesh.v1alpha1.ProxyConfig". */
  public message(fullName: string): StructType {
    const type = this.typeOf(fullName, '');
    if (type.kind !== 'ptr' || type.elem.kind !== 'struct') throw new GoTemplateError(`${fullName} is not a message`);
    return type.elem;
  }

  /** A pointer to the message, as Go holds message fields and as SidecarTemplateData holds ProxyConfig. */
  public messagePointer(fullName: string): GoType {
    return this.typeOf(fullName, '');
  }

  private resolve(type: string, scope: string): string | undefined {
    if (type.startsWith('.')) return type.slice(1);
    const parts = scope.split('.').filter(Boolean);
    for (let depth = parts.length; depth >= 0; depth--) {
      const candidate = [...parts.slice(0, depth), type].join('.');
      if (this.messages.has(candidate) || this.enums.has(candidate)) return candidate;
    }
    return undefined;
  }

  /** The Go type of a field declared with `type` inside message `scope`. */
  private typeOf(type: string, scope: string): GoType {
    const scalar = SCALARS[type];
    if (scalar) return scalar;
    if (type === 'google.protobuf.Duration') return ptrTo(DURATION);
    const wrapper = /^google\.protobuf\.(\w+Value)$/.exec(type);
    if (wrapper && WRAPPER_TYPES.has(wrapper[1])) return ptrTo(WRAPPER_TYPES.get(wrapper[1])!);
    if (type.startsWith('google.protobuf.')) return ptrTo(unknownMessage(type));
    const fullName = this.resolve(type, scope);
    if (!fullName) return ptrTo(unknownMessage(type));
    const cached = this.types.get(fullName);
    if (cached) return cached;
    const enumDef = this.enums.get(fullName);
    if (enumDef) {
      const enumType: EnumType = {
        kind: 'enum',
        name: goTypeName(fullName),
        names: new Map(enumDef.values.map(([name, number]) => [number, name] as [number, string]).reverse()),
        numbers: new Map(enumDef.values),
      };
      // The zero value must print as the first declared value (protobuf's default).
      this.types.set(fullName, enumType);
      return enumType;
    }
    const message = this.messages.get(fullName)!;
    const struct = this.structOf(message);
    const pointer = ptrTo(struct);
    this.types.set(fullName, pointer);
    return pointer;
  }

  private structOf(message: ProtoMessage): StructType {
    let fields: StructField[] | undefined;
    let methods: Record<string, GoMethod> | undefined;
    const schema = this;
    const build = () => {
      if (fields) return;
      const all: StructField[] = [];
      const getters: Record<string, GoMethod> = {};
      const seenOneofs = new Set<string>();
      for (const field of message.fields) {
        let type: GoType;
        if (field.map) type = mapOf(schema.typeOf(field.map.key, message.fullName), schema.typeOf(field.map.value, message.fullName));
        else if (field.repeated) type = sliceOf(schema.typeOf(field.type, message.fullName));
        else type = schema.typeOf(field.type, message.fullName);
        const structField: StructField & { oneof?: string } = { name: goFieldName(field.name), json: protoJsonName(field.name), type, omitEmpty: true, oneof: field.oneof };
        getters[`Get${structField.name}`] = getter(structField);
        if (field.oneof && !seenOneofs.has(field.oneof)) {
          // Go holds a oneof as one interface field, named after the oneof, at its first member's place.
          seenOneofs.add(field.oneof);
        }
        all.push(structField);
      }
      fields = all;
      methods = getters;
    };
    const struct: StructType = {
      kind: 'struct',
      name: goTypeName(message.fullName),
      proto: true,
      // Oneof members are not fields of the Go struct: templates reach them through their getters only.
      fields: () => {
        build();
        return fields!.filter((field) => !(field as { oneof?: string }).oneof);
      },
      methods: () => {
        build();
        return methods!;
      },
      fromJSON: (data) => {
        if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new GoTemplateError(`cannot read ${JSON.stringify(data)} as ${message.fullName}`);
        return data as Record<string, unknown>;
      },
      toJSON: (value) => schema.toJsonpb(value),
    };
    (struct as { allFields?: () => StructField[] }).allFields = () => {
      build();
      return fields!;
    };
    return struct;
  }

  /** Every field of a message struct, oneof members included, in declaration order. */
  private allFields(struct: StructType): StructField[] {
    const all = (struct as { allFields?: () => StructField[] }).allFields;
    return all ? all() : [...struct.fields()];
  }

  /**
   * jsonpb's Marshaler{} (OrigName false, EmitDefaults false): declaration order, lowerCamel names, zero scalars and
   * nil or empty messages, lists and maps left out, a set oneof member always written, enums by name, durations as
   * "45s", wrappers as their value, 64-bit integers as strings, map keys sorted.
   */
  public toJsonpb(value: GoValue): unknown {
    const type = value.type.kind === 'ptr' ? value.type.elem : value.type;
    if (value.data === null || value.data === undefined) return null;
    if (type.kind !== 'struct') return this.jsonpbScalar(new GoValue(type, value.data));
    if (type.toJSON && !(type as { allFields?: unknown }).allFields) return type.toJSON(new GoValue(type, value.data));
    const data = value.data as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const field of this.allFields(type)) {
      const raw = data[field.json] ?? data[snakeName(field.json)];
      if (raw === undefined || raw === null) continue;
      const fieldValue = fromData(field.type, raw);
      const isOneofMember = Boolean((field as { oneof?: string }).oneof);
      if (!isOneofMember && isProtoDefault(fieldValue)) continue;
      out[field.json] = this.jsonpbValue(fieldValue);
    }
    return out;
  }

  private jsonpbValue(value: GoValue): unknown {
    switch (value.type.kind) {
      case 'slice': {
        const elem = value.type.elem;
        return (value.data as unknown[]).map((item) => this.jsonpbValue(fromData(elem, item)));
      }
      case 'map': {
        const out: Record<string, unknown> = {};
        const elem = value.type.elem;
        for (const key of Object.keys(value.data as object).sort()) out[key] = this.jsonpbValue(fromData(elem, (value.data as Record<string, unknown>)[key]));
        return out;
      }
      case 'ptr': return value.type.elem.kind === 'struct' && value.type.elem.toJSON && !(value.type.elem as { allFields?: unknown }).allFields
        ? value.type.elem.toJSON(new GoValue(value.type.elem, value.data))
        : this.toJsonpb(value);
      default: return this.jsonpbScalar(value);
    }
  }

  private jsonpbScalar(value: GoValue): unknown {
    if (value.type.kind === 'enum') return value.type.names.get(value.data as number) ?? value.data;
    if (value.type.name === 'int64' || value.type.name === 'uint64') return String(value.data);
    return value.data;
  }

  /**
   * Applies JSON data onto a message's JSON data, as Istio's (gogo)protomarshal.ApplyJSON does: fields present in
   * `patch` are set; with `mergeNested` (gogo/protobuf's jsonpb, Istio up to 1.13) nested messages and maps merge,
   * without it (golang/protobuf's jsonpb, 1.14 on) the field's new value replaces the old. Lists always replace.
   * Unknown fields are ignored (Istio retries with AllowUnknownFields). Returns new data; the inputs are not changed.
   */
  public apply(type: StructType, base: Record<string, unknown> | null | undefined, patch: unknown, mergeNested: boolean): Record<string, unknown> {
    if (patch === null || patch === undefined) return { ...(base ?? {}) };
    if (typeof patch !== 'object' || Array.isArray(patch)) throw new GoTemplateError(`cannot apply ${JSON.stringify(patch)} onto ${type.name}`);
    const out: Record<string, unknown> = { ...(base ?? {}) };
    const fields = this.allFields(type);
    for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
      const field = fields.find((candidate) => candidate.json === key || snakeName(candidate.json) === key || candidate.json === protoJsonName(key));
      if (!field) continue;
      if (value === null) continue;
      // Setting one member of a oneof clears the others.
      const oneof = (field as { oneof?: string }).oneof;
      if (oneof) for (const other of fields) if ((other as { oneof?: string }).oneof === oneof) delete out[other.json];
      out[field.json] = this.applyField(field.type, out[field.json], value, mergeNested);
    }
    return out;
  }

  private applyField(type: GoType, base: unknown, value: unknown, mergeNested: boolean): unknown {
    if (type.kind === 'ptr' && type.elem.kind === 'struct' && (type.elem as { allFields?: unknown }).allFields) {
      return this.apply(type.elem, mergeNested ? (base as Record<string, unknown> | undefined) : undefined, value, mergeNested);
    }
    if (type.kind === 'map' && mergeNested && base && typeof base === 'object') {
      const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) merged[key] = this.normalize(type.elem, item);
      return merged;
    }
    return this.normalize(type, value);
  }

  /** JSON data in the field's canonical form: messages with lowerCamel keys, enums by name, durations as strings. */
  public normalize(type: GoType, value: unknown): unknown {
    if (value === null || value === undefined) return value;
    switch (type.kind) {
      case 'ptr':
        if (type.elem.kind === 'struct' && (type.elem as { allFields?: unknown }).allFields) return this.apply(type.elem, undefined, value, false);
        return value;
      case 'slice': return (value as unknown[]).map((item) => this.normalize(type.elem, item));
      case 'map': return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, this.normalize(type.elem, item)]));
      case 'enum': {
        if (typeof value === 'number') return type.names.get(value) ?? value;
        if (!type.numbers.has(String(value))) throw new GoTemplateError(`unknown value ${JSON.stringify(value)} for enum ${type.name}`);
        return value;
      }
      default: return value;
    }
  }
}

function goTypeName(fullName: string): string {
  // istio.mesh.v1alpha1.ProxyConfig.InboundInterceptionMode -> v1alpha1.ProxyConfig_InboundInterceptionMode
  const parts = fullName.split('.');
  const firstUpper = parts.findIndex((part) => /^[A-Z]/.test(part));
  const pkg = parts[firstUpper - 1] ?? '';
  return `${pkg}.${parts.slice(firstUpper).join('_')}`;
}

function snakeName(jsonName: string): string {
  return jsonName.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** proto3's default test: jsonpb leaves out zero scalars, nil messages and empty lists and maps. */
function isProtoDefault(value: GoValue): boolean {
  const { type, data } = value;
  switch (type.kind) {
    case 'bool': return data === false;
    case 'string': return data === '';
    case 'int': case 'uint': case 'float': case 'enum': return data === 0;
    case 'slice': return data === null || (data as unknown[]).length === 0;
    case 'map': return data === null || Object.keys(data as object).length === 0;
    default: return data === null || data === undefined;
  }
}
