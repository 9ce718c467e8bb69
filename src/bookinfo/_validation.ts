import { ConfigurationError } from '../configuration-error';

// Validators for construct props. Each names the prop it checks (e.g. `Bookinfo.namespace`), because the same
// value reaches several constructs and the user must learn which prop to change.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const IMAGE_REGISTRY = /^[A-Za-z0-9]([A-Za-z0-9._:-]*[A-Za-z0-9])?(\/[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A DNS-1123 label, as Namespace names and Istio revisions must be. */
export function validateDnsLabel(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 63 || !DNS_LABEL.test(value)) {
    throw new ConfigurationError(field, value, 'not a DNS-1123 label',
      'use at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit, e.g. "bookinfo"');
  }
  return value;
}

/** A whole number of at least 1. */
export function validateReplicas(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(field, value, 'replicas must be a whole number of at least 1', 'give e.g. 1 or 2');
  }
  return value;
}

/** One of the values of a string enum; guards callers that pass plain strings from JavaScript or a config file. */
export function validateEnumValue<T extends string>(field: string, value: unknown, values: Record<string, T>): T {
  const allowed = Object.values(values);
  if (!allowed.includes(value as T)) {
    throw new ConfigurationError(field, value, 'not a known choice', `use one of ${allowed.map((v) => `"${v}"`).join(', ')}`);
  }
  return value as T;
}

/** A non-empty subset of `known` without repeats, returned in the order of `known` so output does not depend on prop order. */
export function validateVersions(field: string, value: unknown, known: readonly string[]): string[] {
  const choices = known.map((v) => `"${v}"`).join(', ');
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigurationError(field, value, 'at least one version must be deployed', `list one or more of ${choices}`);
  }
  for (const version of value) {
    if (!known.includes(version)) {
      throw new ConfigurationError(field, value, `${JSON.stringify(version)} is not a version the sample ships`, `list only ${choices}`);
    }
  }
  if (new Set(value).size !== value.length) {
    throw new ConfigurationError(field, value, 'a version is listed twice', 'list each version once');
  }
  return known.filter((version) => value.includes(version));
}

/** A non-empty label selector whose keys and values are valid Kubernetes label syntax. */
export function validateSelector(field: string, value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
    throw new ConfigurationError(field, value, 'an empty selector would bind the Gateway to every gateway pod, or to none',
      'give the labels of your ingress gateway pods, e.g. { istio: "ingressgateway" } (istioctl) or { istio: "ingress" } (Helm)');
  }
  for (const [key, label] of Object.entries(value)) {
    if (!LABEL_NAME.test(key) || typeof label !== 'string' || label.length > 63 || !LABEL_VALUE.test(label)) {
      throw new ConfigurationError(field, value, `${JSON.stringify(key)}: ${JSON.stringify(label)} is not a valid label`,
        'use label keys and string values as Kubernetes allows them, e.g. { istio: "ingressgateway" }');
    }
  }
  return { ...(value as Record<string, string>) };
}

/** A registry and repository prefix without a trailing slash, e.g. "docker.io/istio" or "localhost:5000/bookinfo". */
export function validateImageRegistry(field: string, value: unknown): string {
  if (typeof value !== 'string' || !IMAGE_REGISTRY.test(value)) {
    throw new ConfigurationError(field, value, 'not an image registry prefix',
      'give a registry host and optional path without a trailing "/", e.g. "docker.io/istio"');
  }
  return value;
}

/** An image tag as container registries accept it. */
export function validateImageTag(field: string, value: unknown): string {
  if (typeof value !== 'string' || !IMAGE_TAG.test(value)) {
    throw new ConfigurationError(field, value, 'not an image tag', 'give a tag such as "1.20.3" (letters, digits, "_", "." and "-", at most 128)');
  }
  return value;
}
