import { ConfigurationError, describeValue } from '../src/configuration-error';

/**
 * Reads one mapping of the configuration file with typed accessors. Each accessor names the full key
 * in its error; `done()` rejects every key that no accessor asked for, so a typo never passes silently.
 */
export class ConfigSection {
  private readonly read = new Set<string>();
  private readonly values: Record<string, unknown>;

  public constructor(private readonly path: string, value: unknown) {
    if (value === undefined || value === null) {
      this.values = {};
    } else if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigurationError(path || '(top level)', value, 'expected a mapping of keys to values', `write ${path || 'the file'} as "key: value" lines`);
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
    return new ConfigSection(this.keyOf(key), this.take(key));
  }

  /** A string value, or the default when absent. */
  public string(key: string, fallback: string, fix: string): string;
  public string(key: string, fallback: undefined, fix: string): string | undefined;
  public string(key: string, fallback: string | undefined, fix: string): string | undefined {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') throw this.error(key, value, `expected a string, found ${typeOf(value)}`, fix);
    if (value.trim() === '') throw this.error(key, value, 'must not be empty', fix);
    return value;
  }

  /** A true/false value. */
  public boolean(key: string, fallback: boolean): boolean {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw this.error(key, value, `expected true or false, found ${typeOf(value)}`, `write ${key}: true or ${key}: false, without quotes`);
    return value;
  }

  /** A number within [min, max]; integers only when `integer` is set. */
  public number(key: string, fallback: number, options: { min: number; max: number; integer?: boolean; fix: string }): number {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || Number.isNaN(value)) throw this.error(key, value, `expected a number, found ${typeOf(value)}`, options.fix);
    if (value < options.min || value > options.max || (options.integer && !Number.isInteger(value))) {
      throw this.error(key, value, `must be ${options.integer ? 'a whole number' : 'a number'} from ${options.min} to ${options.max}`, options.fix);
    }
    return value;
  }

  /** One of a fixed set of strings. */
  public oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      throw this.error(key, value, `must be one of ${allowed.join(', ')}`, `set ${key} to one of: ${allowed.join(', ')}`);
    }
    return value as T;
  }

  /** A list of strings. */
  public stringList(key: string, fallback: string[], fix: string): string[] {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw this.error(key, value, 'expected a list of strings', fix);
    return value as string[];
  }

  /** A mapping of strings to strings, such as labels. */
  public stringMap(key: string, fallback: Record<string, string>, fix: string): Record<string, string> {
    const value = this.take(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((item) => typeof item !== 'string')) {
      throw this.error(key, value, 'expected a mapping of strings to strings', fix);
    }
    return { ...(value as Record<string, string>) };
  }

  /** Whether the key is present, without reading it. */
  public has(key: string): boolean {
    return this.values[key] !== undefined && this.values[key] !== null;
  }

  /** Rejects keys no accessor asked for, suggesting the closest known one. */
  public done(): void {
    for (const key of Object.keys(this.values)) {
      if (this.read.has(key)) continue;
      const suggestion = closest(key, [...this.read]);
      throw new ConfigurationError(this.keyOf(key), this.values[key], 'unknown key',
        suggestion ? `did you mean ${this.keyOf(suggestion)}? Known keys here: ${[...this.read].join(', ')}` : `remove it; known keys here: ${[...this.read].join(', ')}`);
    }
  }

  /** A ConfigurationError for a key of this section. */
  public error(key: string, value: unknown, problem: string, fix: string): ConfigurationError {
    return new ConfigurationError(this.keyOf(key), value, problem, fix);
  }

  private take(key: string): unknown {
    this.read.add(key);
    return this.values[key];
  }
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
