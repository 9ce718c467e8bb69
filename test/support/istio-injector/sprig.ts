/**
 * The sprig v3 functions (github.com/Masterminds/sprig, functions.go, strings.go, defaults.go, list.go) that Istio's
 * runtime templates call, from Istio 1.8 (when the injector added `sprig.TxtFuncMap()`): default, quote, nindent,
 * join, list, append, trunc, trimSuffix. Every other sprig name is present, so that a template parses as it does in
 * Go, and throws when called: its behaviour is not ported.
 */
import { FunctionMap, GoFunction, sprint } from './go-template';
import { ANY, ANY_SLICE, GoTemplateError, GoValue, INT, STRING, Value, formatValue, fromData, isNil } from './go-value';

/** sprig's empty (defaults.go): the zero value of its kind; a struct is never empty. */
export function sprigEmpty(value: Value): boolean {
  if (!value) return true;
  const { type, data } = value;
  switch (type.kind) {
    case 'string': return data === '';
    case 'slice': return data === null || (data as unknown[]).length === 0;
    case 'map': return data === null || Object.keys(data as object).length === 0;
    case 'bool': return data === false;
    case 'int': case 'uint': case 'float': case 'enum': return data === 0;
    case 'struct': return false;
    default: return isNil(value);
  }
}

/** sprig's strval: a string as is, a Stringer's String(), otherwise fmt's %v. */
export function strval(value: Value): string {
  if (value && value.type.kind === 'ptr' && value.data !== null) return formatValue(new GoValue(value.type.elem, value.data));
  return sprint([value]);
}

/** Go's strconv.Quote (fmt's %q of a string): printable characters as they are, others escaped. */
export function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (char === '\x07') out += '\\a';
    else if (char === '\b') out += '\\b';
    else if (char === '\f') out += '\\f';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char === '\v') out += '\\v';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** sprig's indent (strings.go): every line, the first included, gets `spaces` spaces. */
function sprigIndent(spaces: number, text: string): string {
  const pad = ' '.repeat(spaces);
  return pad + text.split('\n').join(`\n${pad}`);
}

/** sprig's strslice (list.go) as join uses it: the elements' strval, nil elements left out. */
function strslice(value: Value): string[] {
  if (!value || isNil(value)) return [];
  if (value.type.kind === 'slice') {
    const elem = value.type.elem;
    return (value.data as unknown[]).map((item) => fromData(elem, item)).filter((item) => !isNil(item)).map(strval);
  }
  return [strval(value)];
}

const implemented: Record<string, GoFunction> = {
  default: {
    params: [ANY, ANY],
    variadic: true,
    call: ([fallback, ...given]) => (given.length === 0 || sprigEmpty(given[0]) ? fallback : given[0]),
  },
  quote: {
    params: [ANY],
    variadic: true,
    call: (args) => new GoValue(STRING, args.filter((arg) => arg && !isNil(arg)).map((arg) => goQuote(strval(arg))).join(' ')),
  },
  nindent: { params: [INT, STRING], call: ([spaces, text]) => new GoValue(STRING, `\n${sprigIndent(spaces!.data as number, text!.data as string)}`) },
  join: { params: [STRING, ANY], call: ([separator, list]) => new GoValue(STRING, strslice(list).join(separator!.data as string)) },
  list: { params: [ANY], variadic: true, call: (items) => new GoValue(ANY_SLICE, items.map((item) => (item ? item : null))) },
  append: {
    params: [ANY, ANY],
    call: ([list, item]) => {
      if (!list || list.type.kind !== 'slice') throw new GoTemplateError(`Cannot push on type ${list ? list.type.kind : 'invalid'}`);
      const items = ((list.data as unknown[] | null) ?? []).map((entry) => fromData(list.type.kind === 'slice' ? list.type.elem : ANY, entry));
      return new GoValue(ANY_SLICE, [...items, item ?? null]);
    },
  },
  trunc: {
    params: [INT, STRING],
    call: ([count, text]) => {
      const c = count!.data as number;
      const s = text!.data as string;
      if (c < 0 && s.length + c > 0) return new GoValue(STRING, s.slice(s.length + c));
      if (c >= 0 && s.length > c) return new GoValue(STRING, s.slice(0, c));
      return new GoValue(STRING, s);
    },
  },
  trimSuffix: {
    params: [STRING, STRING],
    call: ([suffix, text]) => {
      const s = text!.data as string;
      const end = suffix!.data as string;
      return new GoValue(STRING, end && s.endsWith(end) ? s.slice(0, s.length - end.length) : s);
    },
  },
};

/** Every name of sprig v3's TxtFuncMap (functions.go). */
const SPRIG_NAMES = `hello ago date date_in_zone date_modify dateInZone dateModify duration durationRound htmlDate htmlDateInZone
must_date_modify mustDateModify mustToDate now toDate unixEpoch abbrev abbrevboth trunc trim upper lower title untitle substr
repeat trimall trimAll trimSuffix trimPrefix nospace initials randAlphaNum randAlpha randAscii randNumeric randSeededNumeric
swapcase shuffle snakecase camelcase kebabcase wrap wrapWith contains hasPrefix hasSuffix quote squote cat indent nindent
replace plural sha1sum sha256sum adler32sum toString atoi int64 int float64 seq toDecimal split splitList splitn toStrings
until untilStep add1 add sub div mod mul randInt add1f addf subf divf mulf biggest max min maxf minf ceil floor round join
sortAlpha default empty coalesce all any compact mustCompact fromJson toJson toPrettyJson toRawJson mustFromJson mustToJson
mustToPrettyJson mustToRawJson ternary deepCopy mustDeepCopy typeOf typeIs typeIsLike kindOf kindIs deepEqual env expandenv
getHostByName base dir clean ext isAbs osBase osClean osDir osExt osIsAbs b64enc b64dec b32enc b32dec tuple list dict get
set unset hasKey pluck keys pick omit merge mergeOverwrite mustMerge mustMergeOverwrite values append push mustAppend
mustPush prepend mustPrepend first mustFirst rest mustRest last mustLast initial mustInitial reverse mustReverse uniq
mustUniq without mustWithout has mustHas slice mustSlice concat dig chunk mustChunk bcrypt htpasswd genPrivateKey
derivePassword buildCustomCert genCA genCAWithKey genSelfSignedCert genSelfSignedCertWithKey genSignedCert
genSignedCertWithKey encryptAES decryptAES randBytes uuidv4 semver semverCompare fail regexMatch mustRegexMatch
regexFindAll mustRegexFindAll regexFind mustRegexFind regexReplaceAll mustRegexReplaceAll regexReplaceAllLiteral
mustRegexReplaceAllLiteral regexSplit mustRegexSplit regexQuoteMeta urlParse urlJoin`.split(/\s+/);

/** sprig.TxtFuncMap(): the ported functions, and every other name as a function that says it is not ported. */
export const SPRIG_FUNCTIONS: FunctionMap = Object.fromEntries(SPRIG_NAMES.map((name) => [name, implemented[name] ?? {
  call: () => {
    throw new GoTemplateError(`sprig function ${name} is not implemented by this evaluator (no Istio template called it when it was written)`);
  },
}]));
