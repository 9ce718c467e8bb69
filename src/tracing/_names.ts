import { ConfigurationError } from '../configuration-error';

// Kubernetes rejects these only when the manifests are applied; checking at synth time names the prop instead.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws unless `value` is a DNS-1123 label: namespaces, Service and Deployment names, revisions. */
export function assertDnsLabel(field: string, value: unknown, what: string, example: string): asserts value is string {
  if (typeof value !== 'string' || value.length > 63 || !DNS_LABEL.test(value)) {
    throw new ConfigurationError(field, value, `not a valid ${what} (a DNS-1123 label)`,
      `use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. "${example}"`);
  }
}

/** Throws unless `value` can name a namespace. */
export function assertNamespaceName(field: string, value: unknown): asserts value is string {
  assertDnsLabel(field, value, 'namespace name', 'observability');
}

/** Throws unless `value` can name a Secret, ConfigMap or Service account (DNS-1123 subdomain). */
export function assertObjectName(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new ConfigurationError(field, value, 'not a valid Kubernetes object name',
      'use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, e.g. "lightstep.cacert"');
  }
}

/** Throws unless `value` can be a key of a Secret's data. */
export function assertSecretKey(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length > 253 || !SECRET_KEY.test(value) || value === '.' || value === '..') {
    throw new ConfigurationError(field, value, 'not a valid Secret key',
      'use letters, digits, "-", "_" and ".", e.g. "cacert.pem"');
  }
}

/** Throws unless `value` is a name a POSIX shell can expand as a variable. */
export function assertEnvName(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !ENV_NAME.test(value)) {
    throw new ConfigurationError(field, value, 'not a valid environment variable name',
      'use letters, digits and "_", not starting with a digit, e.g. "LIGHTSTEP_ACCESS_TOKEN"');
  }
}
