import { IConstruct } from 'constructs';

/**
 * The one error type for bad input, whether it comes from the configuration file or from construct props.
 *
 * Every message names the field, the offending value and the fix, so that a user never has to read a
 * stack trace to know what to change. The app prints `message` alone and exits non-zero.
 *
 * Internal to the library (not exported from its entry point): jsii cannot carry a class that extends
 * Error to the other languages, where a thrown error arrives as the language's own error with this message.
 * TypeScript code of this repository imports it from this module to tell bad input from a defect.
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
  /** The construct whose props were wrong, e.g. `Bookinfo at platform/bookinfo`; undefined for configuration keys. */
  public readonly construct?: string;

  public constructor(field: string, value: unknown, problem: string, fix: string, construct?: string) {
    super(`${construct === undefined ? '' : `${construct}: `}${field}: ${problem} (got ${describeValue(value)}). Fix: ${fix}`);
    this.name = 'ConfigurationError';
    this.field = field;
    this.value = value;
    this.problem = problem;
    this.fix = fix;
    this.construct = construct;
  }
}

/**
 * The error to rethrow from the constructor of `construct`: a ConfigurationError that names no construct yet
 * gains `<kind> at <construct path>`, so that a user with several instances learns which one to fix.
 * Any other error is returned as it is.
 */
export function locatedIn(error: unknown, kind: string, construct: IConstruct): unknown {
  if (!(error instanceof ConfigurationError) || error.construct !== undefined) return error;
  return new ConfigurationError(error.field, error.value, error.problem, error.fix, `${kind} at ${construct.node.path}`);
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
