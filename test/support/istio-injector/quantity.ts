/**
 * Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource/quantity.go): parsed as ParseQuantity does and
 * written back as MarshalJSON does (CanonicalizeBytes), because the injector decodes the rendered template into Go
 * structs and encodes them again: `cpu: 2000m` reaches the pod as "2", `memory: 1024Mi` as "1Gi".
 */
import { GoTemplateError } from './go-value';

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([suffix, exponent]) => [exponent, suffix]));
const BINARY_BY_POWER = new Map(Object.entries(BINARY_SUFFIXES).map(([suffix, power]) => [power, suffix]));

/** The canonical string form of a quantity given as a string or a JSON number. */
export function canonicalQuantity(input: string | number): string {
  const text = typeof input === 'number' ? String(input) : input.trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new GoTemplateError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got ${JSON.stringify(text)})`);
  const [, sign, whole, fraction = '', suffix = ''] = match;
  const negative = sign === '-';
  // value = digits * 10^scale
  let digits = BigInt(`${whole}${fraction}` || '0');
  let scale = -fraction.length;
  if (digits === 0n) return '0';
  let format: 'DecimalSI' | 'BinarySI' | 'DecimalExponent' = 'DecimalSI';
  if (suffix in BINARY_SUFFIXES) {
    format = 'BinarySI';
    digits *= 1024n ** BigInt(BINARY_SUFFIXES[suffix]);
  } else if (/^[eE]/.test(suffix)) {
    format = 'DecimalExponent';
    scale += Number(suffix.slice(1));
  } else {
    scale += DECIMAL_SUFFIXES[suffix];
  }
  // Quantities keep nano precision at most, rounding away from zero.
  if (scale < -9) {
    const divisor = 10n ** BigInt(-9 - scale);
    digits = (digits + divisor - 1n) / divisor;
    scale = -9;
  }
  if (format === 'BinarySI') {
    const integer = scale >= 0 ? digits * 10n ** BigInt(scale) : digits % 10n ** BigInt(-scale) === 0n ? digits / 10n ** BigInt(-scale) : undefined;
    // Between -1024 and 1024, or not a whole number: written as DecimalSI.
    if (integer !== undefined && integer >= 1024n) {
      let mantissa = integer;
      let power = 0;
      while (mantissa % 1024n === 0n && power < 6) {
        mantissa /= 1024n;
        power++;
      }
      return `${negative ? '-' : ''}${mantissa}${BINARY_BY_POWER.get(power) ?? ''}`;
    }
    format = 'DecimalSI';
  }
  // AsCanonicalBytes: strip factors of ten, then bring the exponent down to a multiple of three.
  while (digits % 10n === 0n) {
    digits /= 10n;
    scale++;
  }
  const remainder = ((scale % 3) + 3) % 3;
  if (remainder !== 0) {
    digits *= 10n ** BigInt(remainder);
    scale -= remainder;
  }
  const sign2 = negative ? '-' : '';
  if (format === 'DecimalExponent') return `${sign2}${digits}${scale === 0 ? '' : `e${scale}`}`;
  const decimal = DECIMAL_BY_EXPONENT.get(scale);
  return decimal === undefined ? `${sign2}${digits}e${scale}` : `${sign2}${digits}${decimal}`;
}

/** Quantity.MilliValue(): the value in thousandths, rounded up. */
export function quantityMilliValue(input: string | number): number {
  const canonical = canonicalQuantity(input);
  const match = /^(-?\d+)(.*)$/.exec(canonical)!;
  const digits = Number(match[1]);
  const suffix = match[2];
  if (suffix in BINARY_SUFFIXES) return digits * 1024 ** BINARY_SUFFIXES[suffix] * 1000;
  const exponent = suffix.startsWith('e') ? Number(suffix.slice(1)) : DECIMAL_SUFFIXES[suffix];
  return Math.ceil(digits * 10 ** (exponent + 3));
}
