/**
 * Go values for the text/template evaluator: a Go type model and typed values over plain JSON data.
 *
 * Istio's injector runs its templates on Go structs (SidecarTemplateData, Kubernetes API types, protobuf messages)
 * and on `map[string]interface{}` decoded from JSON (the Helm values). What a template prints, whether `if` takes a
 * branch and whether a function accepts an argument all depend on the Go type: a missing key of a map is "no value",
 * a missing field of a struct is its zero value, a nil pointer's getter is nil-safe, a float64 prints as `1e+06`.
 * Here a value is its Go type plus the JSON data it reads from (a struct's data is its JSON object, keyed by JSON
 * field names), converted lazily as fields are read.
 */

/** A Go type, as far as the templates need one. `name` is how Go prints the type (`map[string]string`, `*v1.Pod`). */
export type GoType =
  | { readonly kind: 'bool'; readonly name: string }
  | { readonly kind: 'string'; readonly name: string }
  | { readonly kind: 'int' | 'uint' | 'float'; readonly name: string }
  | EnumType
  | { readonly kind: 'map'; readonly name: string; readonly key: GoType; readonly elem: GoType }
  | { readonly kind: 'slice'; readonly name: string; readonly elem: GoType }
  | StructType
  | { readonly kind: 'ptr'; readonly name: string; readonly elem: GoType }
  | { readonly kind: 'interface'; readonly name: string; readonly implementedBy?: (type: GoType) => boolean }
  | { readonly kind: 'func'; readonly name: string };

/** A protobuf enum: an int32 whose String() method gives the value's name. */
export interface EnumType {
  readonly kind: 'enum';
  readonly name: string;
  /** Value names by number; the first declared value is the zero value. */
  readonly names: ReadonlyMap<number, string>;
  readonly numbers: ReadonlyMap<string, number>;
}

/** A method of a struct type, called with the receiver (possibly a nil pointer) and already converted arguments. */
export interface GoMethod {
  readonly params: readonly GoType[];
  readonly call: (receiver: GoValue, args: Value[]) => Value;
}

export interface StructField {
  /** The Go field name, as templates write it (`.ServiceAccountName`). */
  readonly name: string;
  /** The key of the field in the struct's JSON data. */
  readonly json: string;
  readonly type: GoType;
  /** encoding/json's omitempty: the field is left out of json.Marshal when empty. */
  readonly omitEmpty?: boolean;
  /** An embedded struct: its fields are promoted to the outer struct, and its data is the outer struct's data. */
  readonly embedded?: boolean;
}

export interface StructType {
  readonly kind: 'struct';
  readonly name: string;
  /** Fields in declaration order (json.Marshal's order); a function, so that types can refer to each other. */
  readonly fields: () => readonly StructField[];
  readonly methods?: () => Readonly<Record<string, GoMethod>>;
  /** Turns the data as JSON has it into the struct's JSON object, e.g. "45s" into a Duration's {seconds, nanos}. */
  readonly fromJSON?: (data: unknown) => Record<string, unknown>;
  /** The JSON form json.Marshal or jsonpb gives, where it is not the field-by-field object. */
  readonly toJSON?: (value: GoValue) => unknown;
  /** A protobuf message (its pointer implements proto.Message). */
  readonly proto?: boolean;
  /** Where the type comes from, for error messages. */
  readonly origin?: string;
}

/** A valid Go value: its type and its data. */
export class GoValue {
  constructor(public readonly type: GoType, public readonly data: unknown) {}
}

/** A template value: a Go value, or undefined for text/template's invalid reflect.Value ("<no value>"). */
export type Value = GoValue | undefined;

export class GoTemplateError extends Error {}

const named = new Map<string, GoType>();
function basic<T extends GoType>(type: T): T {
  named.set(type.name, type);
  return type;
}

export const BOOL = basic({ kind: 'bool', name: 'bool' } as const);
export const STRING = basic({ kind: 'string', name: 'string' } as const);
export const INT = basic({ kind: 'int', name: 'int' } as const);
export const INT32 = basic({ kind: 'int', name: 'int32' } as const);
export const INT64 = basic({ kind: 'int', name: 'int64' } as const);
export const UINT32 = basic({ kind: 'uint', name: 'uint32' } as const);
export const UINT64 = basic({ kind: 'uint', name: 'uint64' } as const);
export const FLOAT64 = basic({ kind: 'float', name: 'float64' } as const);
export const FLOAT32 = basic({ kind: 'float', name: 'float32' } as const);
export const ANY: GoType = { kind: 'interface', name: 'interface {}' };
export const ERROR_TYPE: GoType = { kind: 'interface', name: 'error' };

export function mapOf(key: GoType, elem: GoType): GoType {
  return { kind: 'map', name: `map[${key.name}]${elem.name}`, key, elem };
}
export function sliceOf(elem: GoType): GoType {
  return { kind: 'slice', name: `[]${elem.name}`, elem };
}
export function ptrTo(elem: GoType): GoType {
  return { kind: 'ptr', name: `*${elem.name}`, elem };
}

export const STRING_MAP = mapOf(STRING, STRING);
export const ANY_MAP = mapOf(STRING, ANY);
export const ANY_SLICE = sliceOf(ANY);
export const STRING_SLICE = sliceOf(STRING);

/** Whether a value of type `from` can be assigned to `to` (Go's assignability, with types compared by name). */
export function assignable(from: GoType, to: GoType): boolean {
  if (from === to || from.name === to.name) return true;
  if (to.kind === 'interface') {
    if (to.name === ANY.name) return true;
    return to.implementedBy?.(from) ?? false;
  }
  return false;
}

/** The zero value of a type. */
export function zero(type: GoType): GoValue {
  switch (type.kind) {
    case 'bool': return new GoValue(type, false);
    case 'string': return new GoValue(type, '');
    case 'int': case 'uint': case 'float': case 'enum': return new GoValue(type, 0);
    case 'struct': return new GoValue(type, {});
    default: return new GoValue(type, null);
  }
}

/** The dynamic Go value that encoding/json gives for JSON data decoded into an interface{}. */
export function fromInterface(data: unknown): GoValue {
  if (data === null || data === undefined) return new GoValue(ANY, null);
  if (typeof data === 'string') return new GoValue(STRING, data);
  if (typeof data === 'number') return new GoValue(FLOAT64, data);
  if (typeof data === 'boolean') return new GoValue(BOOL, data);
  if (Array.isArray(data)) return new GoValue(ANY_SLICE, data);
  if (typeof data === 'object') return new GoValue(ANY_MAP, data);
  throw new GoTemplateError(`cannot use ${typeof data} as a Go value`);
}

/** A Go value of `type` read from JSON data (undefined and null read as the zero value / nil). */
export function fromData(type: GoType, data: unknown): GoValue {
  if (type.kind === 'interface') {
    if (data instanceof GoValue) return data;
    return fromInterface(data);
  }
  if (data === undefined || data === null) return zero(type);
  switch (type.kind) {
    case 'bool':
      if (typeof data === 'boolean') return new GoValue(type, data);
      break;
    case 'string':
      if (typeof data === 'string') return new GoValue(type, data);
      break;
    case 'int': case 'uint': case 'float':
      if (typeof data === 'number') return new GoValue(type, data);
      // protobuf's JSON writes 64-bit integers as strings.
      if (typeof data === 'string' && /^-?\d+(\.\d+)?$/.test(data)) return new GoValue(type, Number(data));
      break;
    case 'enum': {
      if (typeof data === 'number' && type.names.has(data)) return new GoValue(type, data);
      if (typeof data === 'string' && type.numbers.has(data)) return new GoValue(type, type.numbers.get(data));
      break;
    }
    case 'map':
      if (typeof data === 'object' && !Array.isArray(data)) return new GoValue(type, data);
      break;
    case 'slice':
      if (Array.isArray(data)) return new GoValue(type, data);
      break;
    case 'struct':
      if (type.fromJSON) return new GoValue(type, type.fromJSON(data));
      if (typeof data === 'object' && !Array.isArray(data)) return new GoValue(type, data);
      break;
    case 'ptr':
      return new GoValue(type, fromData(type.elem, data).data);
    default:
      break;
  }
  throw new GoTemplateError(`cannot read ${JSON.stringify(data).slice(0, 80)} as Go type ${type.name}`);
}

/** A field found on a struct: the field, and the embedded fields passed through to reach it (Go's promotion). */
export interface FieldPath {
  readonly field: StructField;
  readonly through: readonly StructField[];
}

/** The struct held by an embedded field (which may be a pointer). */
function embeddedStruct(field: StructField): StructType | undefined {
  const inner = field.type.kind === 'ptr' ? field.type.elem : field.type;
  return inner.kind === 'struct' ? inner : undefined;
}

/** Field `name` of a struct type, with embedded structs' fields promoted (the shallowest wins, as in Go). */
export function structField(type: StructType, name: string): FieldPath | undefined {
  for (const field of type.fields()) if (field.name === name) return { field, through: [] };
  for (const field of type.fields()) {
    const inner = field.embedded ? embeddedStruct(field) : undefined;
    const promoted = inner && structField(inner, name);
    if (promoted) return { field: promoted.field, through: [field, ...promoted.through] };
  }
  return undefined;
}

/** Method `name` of a struct type, its embedded structs' methods promoted; with the embedded fields to pass. */
export function structMethod(type: StructType, name: string): { method: GoMethod; through: readonly StructField[] } | undefined {
  const own = type.methods?.()[name];
  if (own) return { method: own, through: [] };
  for (const field of type.fields()) {
    const inner = field.embedded ? embeddedStruct(field) : undefined;
    const promoted = inner && structMethod(inner, name);
    if (promoted) return { method: promoted.method, through: [field, ...promoted.through] };
  }
  return undefined;
}

/** The data of an embedded struct inside its outer struct's data: inline (json "") or under its JSON key. */
function embeddedData(outer: unknown, field: StructField): unknown {
  const data = (outer ?? {}) as Record<string, unknown>;
  return field.json === '' ? data : data[field.json] ?? {};
}

/** Follows embedded fields from a struct value to the embedded struct value that holds the field or method. */
export function throughEmbedded(struct: GoValue, through: readonly StructField[]): GoValue {
  let current = struct;
  for (const field of through) current = new GoValue(embeddedStruct(field)!, embeddedData(current.data, field));
  return current;
}

/** The value of field `field` of a struct value (its data is the JSON object). */
export function readField(struct: GoValue, field: StructField): GoValue {
  if (field.embedded) return new GoValue(field.type, embeddedData(struct.data, field));
  const data = (struct.data ?? {}) as Record<string, unknown>;
  return fromData(field.type, data[field.json]);
}

export function isNil(value: GoValue): boolean {
  return ['map', 'slice', 'ptr', 'interface', 'func'].includes(value.type.kind) && (value.data === null || value.data === undefined);
}

/** text/template's truth: false, 0, a nil pointer or interface, and an empty array, slice, map or string are false. */
export function isTrue(value: Value): boolean {
  if (!value) return false;
  const { type, data } = value;
  switch (type.kind) {
    case 'bool': return data === true;
    case 'string': return (data as string).length > 0;
    case 'int': case 'uint': case 'float': case 'enum': return data !== 0;
    case 'map': return data !== null && Object.keys(data as object).length > 0;
    case 'slice': return data !== null && (data as unknown[]).length > 0;
    case 'struct': return true;
    default: return !isNil(value);
  }
}

/**
 * Go's %v of a float64: strconv.FormatFloat(f, 'g', -1, 64), the shortest digits that read back the same, in %e form
 * when the exponent is below -4 or at least 6 (the precision 'g' uses for the shortest form): 1e+06, 1.5e-05, 15020.
 */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  // The shortest digits that read back as the same float64, as JavaScript and strconv both compute them.
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    // %e form with at least two exponent digits: 1e+06, 1.5e-05.
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const digits = mantissa.replace('-', '').replace('.', '');
  const negative = value < 0 ? '-' : '';
  if (exponent < 0) return `${negative}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${negative}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** fmt.Sprint of one value (%v), as text/template prints an action's result. */
export function formatValue(value: Value): string {
  if (!value) return '<no value>';
  const { type, data } = value;
  switch (type.kind) {
    case 'bool': return data ? 'true' : 'false';
    case 'string': return data as string;
    case 'int': case 'uint': return String(data);
    case 'float': return formatFloat(data as number);
    case 'enum': return type.names.get(data as number) ?? String(data);
    case 'interface': return '<nil>';
    case 'slice': {
      if (data === null) return '[]';
      const elem = type.elem;
      return `[${(data as unknown[]).map((item) => formatValue(fromData(elem, item))).join(' ')}]`;
    }
    case 'map': {
      if (data === null) return 'map[]';
      const entries = Object.keys(data as object).sort()
        .map((key) => `${key}:${formatValue(fromData(type.elem, (data as Record<string, unknown>)[key]))}`);
      return `map[${entries.join(' ')}]`;
    }
    case 'ptr':
      if (data === null) return '<nil>';
      break;
    default:
      break;
  }
  throw new GoTemplateError(`printing a value of type ${type.name} is not supported by this evaluator (Go would print its %v form)`);
}

/** encoding/json's form of a value: what json.Marshal writes, as a JavaScript value (maps with sorted keys). */
export function toJSONData(value: Value): unknown {
  if (!value) return null;
  const { type, data } = value;
  switch (type.kind) {
    case 'bool': case 'string': case 'int': case 'uint': case 'float': return data;
    case 'enum': return data;
    case 'interface': return data instanceof GoValue ? toJSONData(data) : jsonOfInterface(data);
    case 'slice': return data === null ? null : (data as unknown[]).map((item) => toJSONData(fromData(type.elem, item)));
    case 'map': {
      if (data === null) return null;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(data as object).sort()) out[key] = toJSONData(fromData(type.elem, (data as Record<string, unknown>)[key]));
      return out;
    }
    case 'ptr': return data === null ? null : toJSONData(new GoValue(type.elem, data));
    case 'struct': {
      if (type.toJSON) return type.toJSON(value);
      const out: Record<string, unknown> = {};
      for (const field of type.fields()) {
        if (field.embedded && field.json === '') {
          Object.assign(out, toJSONData(readField(value, field)) as object);
          continue;
        }
        const fieldValue = readField(value, field);
        if (field.omitEmpty && isEmptyForJSON(fieldValue)) continue;
        out[field.json] = toJSONData(fieldValue);
      }
      return out;
    }
    default:
      throw new GoTemplateError(`json.Marshal of ${type.name} is not supported`);
  }
}

/** Plain JSON data as encoding/json re-encodes it after decoding into interface{}: objects get sorted keys. */
function jsonOfInterface(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(jsonOfInterface);
  if (data !== null && typeof data === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(data).sort()) out[key] = jsonOfInterface((data as Record<string, unknown>)[key]);
    return out;
  }
  return data ?? null;
}

/** encoding/json's isEmptyValue, which omitempty uses: false, 0, "", nil, and empty maps, slices and arrays. */
function isEmptyForJSON(value: GoValue): boolean {
  const { type, data } = value;
  switch (type.kind) {
    case 'bool': return data === false;
    case 'string': return data === '';
    case 'int': case 'uint': case 'float': case 'enum': return data === 0;
    case 'map': return data === null || Object.keys(data as object).length === 0;
    case 'slice': return data === null || (data as unknown[]).length === 0;
    case 'struct': return false;
    default: return isNil(value);
  }
}

/** The Go name of a JSON-decoded value's type, for error messages. */
export function typeName(value: Value): string {
  return value ? value.type.name : '<invalid reflect.Value>';
}
