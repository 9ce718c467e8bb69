/**
 * The one error type for bad input, whether it comes from the configuration file or from construct props.
 *
 * Every message names the field, the offending value and the fix, so that a user never has to read a
 * stack trace to know what to change. The app prints `message` alone and exits non-zero.
 */
export class ConfigurationError extends Error {
  /** Dotted path of the offending key or prop, e.g. `lightstep.address` or `LightstepTracing.sampling`. */
  public readonly field: string;
  /** The value as the user gave it. */
  public readonly value: unknown;
  /** What is wrong, without the field, the value or the fix. */
  public readonly problem: string;
  /** What to do instead. */
  public readonly fix: string;

  public constructor(field: string, value: unknown, problem: string, fix: string) {
    super(`${field}: ${problem} (got ${describeValue(value)}). Fix: ${fix}`);
    this.name = 'ConfigurationError';
    this.field = field;
    this.value = value;
    this.problem = problem;
    this.fix = fix;
  }
}

/** A short, single-line rendering of a value for error messages; long values are cut. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (typeof value === 'number' && Number.isNaN(value)) text = 'NaN';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
