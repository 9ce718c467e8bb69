import { ConfigurationError, describeValue } from '../src/configuration-error';

/**
 * Every problem of one configuration file, in the file's own words, reported together so that one run
 * shows them all. Unknown keys come first: a misspelt key (`adress`) explains a missing one (`address`),
 * so a missing key that an unknown key's "did you mean" names is not reported twice.
 */
export class ConfigFileError extends Error {
  /** The problems, each naming a configuration key, in the order they are reported. */
  public readonly problems: readonly ConfigurationError[];

  public constructor(public readonly file: string, problems: readonly ConfigurationError[]) {
    super(problems.length === 1
      ? `${file}: ${problems[0].message}`
      : `${file}: ${problems.length} problems:\n${problems.map((problem) => `  - ${problem.message}`).join('\n')}`);
    this.name = 'ConfigFileError';
    this.problems = problems;
  }
}

/** Collects the problems found while reading one file. */
export class ConfigProblems {
  private readonly unknown: { error: ConfigurationError; suggestion?: string }[] = [];
  private readonly invalid: ConfigurationError[] = [];
  private readonly missing: ConfigurationError[] = [];

  public constructor(private readonly file: string) {}

  public addUnknown(error: ConfigurationError, suggestion?: string): void {
    this.unknown.push({ error, suggestion });
  }

  public addInvalid(error: ConfigurationError): void {
    this.invalid.push(error);
  }

  public addMissing(error: ConfigurationError): void {
    this.missing.push(error);
  }

  /** The keys that have a problem so far. */
  public keys(): Set<string> {
    return new Set([...this.unknown.map((entry) => entry.error), ...this.invalid, ...this.missing].map((error) => error.field));
  }

  /** Throws a ConfigFileError with every problem found, if any. */
  public throwIfAny(): void {
    const suggested = new Set(this.unknown.map((entry) => entry.suggestion));
    // A key missing below a section that is not a mapping (or a file that is not) is no news.
    const explained = (field: string) => suggested.has(field)
      || this.invalid.some((error) => error.field === '(top level)' || field.startsWith(`${error.field}.`));
    const problems = [
      ...this.unknown.map((entry) => entry.error),
      ...this.invalid,
      ...this.missing.filter((error) => !explained(error.field)),
    ];
    if (problems.length > 0) throw new ConfigFileError(this.file, problems);
  }
}

/**
 * Reads one mapping of the configuration file with typed accessors. Each accessor names the full key in its
 * problem and returns the default after one, so that reading goes on and finds the next; `done()` reports
 * every key that no accessor asked for, so a typo never passes silently.
 */
export class ConfigSection {
  private readonly read = new Set<string>();
  private readonly values: Record<string, unknown>;

  public constructor(private readonly path: string, value: unknown, private readonly problems: ConfigProblems) {
    if (value === undefined || value === null) {
      this.values = {};
    } else if (typeof value !== 'object' || Array.isArray(value)) {
      problems.addInvalid(new ConfigurationError(path || '(top level)', value, 'expected a mapping of keys to values', `write ${path || 'the file'} as "key: value" lines`));
      this.values = {};
    } else {
      this.values = value as Record<string, unknown>;
    }
  }

  /** The full dotted key of a child, for messages. */
  public keyOf(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  /** A nested mapping; absent means empty. */
  public section(key: string): ConfigSection {
    return new ConfigSection(this.keyOf(key), this.take(key), this.problems);
  }

  /** A string value, or the default when absent or wrong. */
  public string(key: string, fallback: string, fix: string): string;
  public string(key: string, fallback: undefined, fix: string): string | undefined;
  public string(key: string, fallback: string | undefined, fix: string): string | undefined {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') return this.invalid(key, value, `expected a string, found ${typeOf(value)}`, fix, fallback);
    if (value.trim() === '') return this.invalid(key, value, 'must not be empty', fix, fallback);
    return value;
  }

  /**
   * Runs one of the library's own checks of a value read from `key` (e.g. that an address is host:port), so
   * that its problem is reported with the file's others instead of on a later run; returns whether it passed.
   * @param check throws a ConfigurationError naming any field: the problem is restated under `key`
   */
  public checked(key: string, value: string | undefined, check: (field: string, value: string) => void): boolean {
    if (value === undefined) return true;
    try {
      check(this.keyOf(key), value);
      return true;
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      this.problems.addInvalid(new ConfigurationError(this.keyOf(key), error.value, error.problem, error.fix));
      return false;
    }
  }

  /** A string that must be present. */
  public requiredString(key: string, fix: string): string | undefined {
    const present = this.has(key);
    const value = this.string(key, undefined, fix);
    if (!present) this.problems.addMissing(this.error(key, undefined, 'is required', fix));
    return value;
  }

  /** A true/false value. */
  public boolean(key: string, fallback: boolean): boolean {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') return this.invalid(key, value, `expected true or false, found ${typeOf(value)}`, `write ${key}: true or ${key}: false, without quotes`, fallback);
    return value;
  }

  /** A number within [min, max]; integers only when `integer` is set. */
  public number(key: string, fallback: number, options: { min: number; max: number; integer?: boolean; fix: string }): number {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || Number.isNaN(value)) return this.invalid(key, value, `expected a number, found ${typeOf(value)}`, options.fix, fallback);
    if (value < options.min || value > options.max || (options.integer && !Number.isInteger(value))) {
      return this.invalid(key, value, `must be ${options.integer ? 'a whole number' : 'a number'} from ${options.min} to ${options.max}`, options.fix, fallback);
    }
    return value;
  }

  /** One of a fixed set of strings. */
  public oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      return this.invalid(key, value, `must be one of ${allowed.join(', ')}`, `set ${key} to one of: ${allowed.join(', ')}`, fallback);
    }
    return value as T;
  }

  /** A list of strings. */
  public stringList(key: string, fallback: string[], fix: string): string[] {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) return this.invalid(key, value, 'expected a list of strings', fix, fallback);
    return value as string[];
  }

  /** A mapping of strings to strings, such as labels. */
  public stringMap(key: string, fallback: Record<string, string>, fix: string): Record<string, string> {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((item) => typeof item !== 'string')) {
      return this.invalid(key, value, 'expected a mapping of strings to strings', fix, fallback);
    }
    return { ...(value as Record<string, string>) };
  }

  /** Whether the key is present, without reading it. */
  public has(key: string): boolean {
    return this.values[key] !== undefined && this.values[key] !== null;
  }

  /** The raw value of a key, without reading it. */
  public peek(key: string): unknown {
    return this.values[key];
  }

  /** Reports keys no accessor asked for, suggesting the closest known one. */
  public done(): void {
    for (const key of Object.keys(this.values)) {
      if (this.read.has(key)) continue;
      const suggestion = closest(key, [...this.read]);
      const known = `known keys here: ${[...this.read].join(', ')}`;
      this.problems.addUnknown(
        new ConfigurationError(this.keyOf(key), this.values[key], suggestion ? `unknown key, did you mean ${this.keyOf(suggestion)}?` : 'unknown key',
          suggestion ? `rename it to ${this.keyOf(suggestion)}; ${known}` : `remove it; ${known}`),
        suggestion === undefined ? undefined : this.keyOf(suggestion));
    }
  }

  /** Records a problem with a key of this section that reading can go on after. */
  public report(key: string, value: unknown, problem: string, fix: string): void {
    this.problems.addInvalid(this.error(key, value, problem, fix));
  }

  /** A ConfigurationError for a key of this section. */
  public error(key: string, value: unknown, problem: string, fix: string): ConfigurationError {
    return new ConfigurationError(this.keyOf(key), value, problem, fix);
  }

  private invalid<T>(key: string, value: unknown, problem: string, fix: string, fallback: T): T {
    this.report(key, value, problem, fix);
    return fallback;
  }

  private take(key: string): unknown {
    this.read.add(key);
    return this.values[key];
  }
}

/**
 * Runs `build` (which creates constructs from configuration values) and restates a ConfigurationError about
 * a construct prop in the configuration's words: `keys` maps each prop (e.g. `LightstepTracing.address`) to
 * the configuration key it came from. A prop ending in a dot (`Bookinfo.`) stands for every prop it starts;
 * a key ending in a dot (`bookinfo.`) then receives the rest of the prop's name.
 */
export function inConfigTerms<T>(keys: Readonly<Record<string, string>>, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const key = configKeyOf(keys, error.field.replace(/\[\d+\]$/, ''));
    if (key === undefined) throw error;
    // The problem and the fix may name other props of the same construct: restate those too.
    throw new ConfigurationError(key, error.value, restateInConfigTerms(keys, error.problem), restateInConfigTerms(keys, error.fix));
  }
}

/** A message of the constructs (an error's text, a warning) with every construct prop it names restated as its configuration key. */
export function restateInConfigTerms(keys: Readonly<Record<string, string>>, text: string): string {
  return text.replace(/\b[A-Z][A-Za-z]+(\.[a-z][A-Za-z]*)+/g, (prop) => configKeyOf(keys, prop) ?? prop);
}

function configKeyOf(keys: Readonly<Record<string, string>>, prop: string): string | undefined {
  if (keys[prop] !== undefined) return keys[prop];
  const [family, target] = Object.entries(keys).find(([candidate]) => candidate.endsWith('.') && prop.startsWith(candidate)) ?? [];
  if (family === undefined || target === undefined) return undefined;
  return target.endsWith('.') ? `${target}${prop.slice(family.length)}` : target;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'nothing';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${describeValue(value)}`;
}

/** The known key nearest to a typo (edit distance at most 3), if any. */
function closest(typo: string, known: string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(typo.toLowerCase(), key.toLowerCase());
    if (distance <= 3 && (!best || distance < best.distance)) best = { key, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
