// The name rules of the Kubernetes API server, as k8s.io/apimachinery v0.27 (Kubernetes 1.27, the release
// cdk8s-plus-27 targets) writes them in pkg/util/validation/validation.go: IsDNS1123Label, IsDNS1123Subdomain,
// IsDNS1035Label, IsQualifiedName, IsValidLabelValue, IsValidPortName and IsEnvVarName, and the annotation
// rules of pkg/api/validation/objectmeta.go. Each function returns why a value breaks its rule, or undefined
// when it is valid, so that a message can say what is wrong and not only that something is.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
// Kubernetes 1.27 has only this strict rule; the relaxed one ("printable ASCII except '='") arrived behind the
// RelaxedEnvironmentVariableValidation feature gate in 1.30, and an API server of 1.27 - 1.29 refuses the rest.
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Longest DNS-1123 or DNS-1035 label, qualified name part and label value. */
const LABEL_MAX = 63;
/** Longest DNS-1123 subdomain. */
const SUBDOMAIN_MAX = 253;
/** Longest port name (an IANA service name). */
const PORT_NAME_MAX = 15;
/** Sum of the lengths of every annotation key and value of one object, in bytes. */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

export const DNS1123_LABEL_RULE = 'at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit (no "." or "_")';
export const DNS1123_SUBDOMAIN_RULE = 'at most 253 characters of lower-case letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit';
export const DNS1035_LABEL_RULE = 'at most 63 lower-case letters, digits and "-", starting with a letter and ending with a letter or digit';
export const PORT_NAME_RULE = 'at most 15 lower-case letters, digits and "-", with at least one letter, no "-" at either end and no "--"';
export const ENV_VAR_NAME_RULE = 'letters, digits, "_", "-" and ".", not starting with a digit, and not ".", ".." or starting with ".."';
export const QUALIFIED_NAME_RULE = 'a name of at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit, with an optional DNS-1123 subdomain prefix and "/" (e.g. example.com/my-name)';
export const LABEL_VALUE_RULE = 'empty, or at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit';

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** Why `value` is not a DNS-1123 label, or undefined. */
export function dns1123LabelProblem(value: unknown): string | undefined {
  if (!isString(value) || value.length === 0) return 'it is empty';
  if (value.length > LABEL_MAX) return `it is ${value.length} characters long, more than ${LABEL_MAX}`;
  if (!DNS1123_LABEL.test(value)) return 'it is not a DNS-1123 label';
  return undefined;
}

/** Why `value` is not a DNS-1123 subdomain, or undefined. */
export function dns1123SubdomainProblem(value: unknown): string | undefined {
  if (!isString(value) || value.length === 0) return 'it is empty';
  if (value.length > SUBDOMAIN_MAX) return `it is ${value.length} characters long, more than ${SUBDOMAIN_MAX}`;
  if (!DNS1123_SUBDOMAIN.test(value)) return 'it is not a DNS-1123 subdomain';
  return undefined;
}

/** Why `value` is not a DNS-1035 label (the names of Services), or undefined. */
export function dns1035LabelProblem(value: unknown): string | undefined {
  if (!isString(value) || value.length === 0) return 'it is empty';
  if (value.length > LABEL_MAX) return `it is ${value.length} characters long, more than ${LABEL_MAX}`;
  if (!DNS1035_LABEL.test(value)) return 'it is not a DNS-1035 label';
  return undefined;
}

/** True for a DNS-1123 label. */
export function isDns1123Label(value: unknown): boolean {
  return dns1123LabelProblem(value) === undefined;
}

/** True for a DNS-1123 subdomain. */
export function isDns1123Subdomain(value: unknown): boolean {
  return dns1123SubdomainProblem(value) === undefined;
}

/**
 * Why `value` is not a qualified name (label keys; annotation keys after lower-casing), or undefined: a name
 * part with an optional DNS-1123 subdomain prefix and one "/".
 */
export function qualifiedNameProblem(value: unknown): string | undefined {
  if (!isString(value)) return 'it is not a string';
  const parts = value.split('/');
  if (parts.length > 2) return 'it has more than one "/"';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined) {
    const problem = dns1123SubdomainProblem(prefix);
    if (problem) return `its prefix ${JSON.stringify(prefix)} is not valid: ${problem}`;
  }
  if (name.length === 0) return 'its name part is empty';
  if (name.length > LABEL_MAX) return `its name part is ${name.length} characters long, more than ${LABEL_MAX}`;
  if (!QUALIFIED_NAME.test(name)) return `its name part ${JSON.stringify(name)} is not a qualified name`;
  return undefined;
}

/** Why `value` is not a label value, or undefined. */
export function labelValueProblem(value: unknown): string | undefined {
  if (!isString(value)) return 'it is not a string';
  if (value.length > LABEL_MAX) return `it is ${value.length} characters long, more than ${LABEL_MAX}`;
  if (!LABEL_VALUE.test(value)) return 'it is not a label value';
  return undefined;
}

/** True for a label value. */
export function isLabelValue(value: unknown): boolean {
  return labelValueProblem(value) === undefined;
}

/** Why `value` is not an IANA service name, the rule of container port names and named target ports, or undefined. */
export function portNameProblem(value: unknown): string | undefined {
  if (!isString(value) || value.length === 0) return 'it is empty';
  if (value.length > PORT_NAME_MAX) return `it is ${value.length} characters long, more than ${PORT_NAME_MAX}`;
  if (!/^[-a-z0-9]+$/.test(value)) return 'it holds characters other than lower-case letters, digits and "-"';
  if (!/[a-z]/.test(value)) return 'it has no letter';
  if (value.includes('--')) return 'it has "--"';
  if (value.startsWith('-') || value.endsWith('-')) return 'it starts or ends with "-"';
  return undefined;
}

/** Why `value` is not an environment variable name (env[].name, envFrom[].prefix) for Kubernetes 1.27, or undefined. */
export function envVarNameProblem(value: unknown): string | undefined {
  if (!isString(value) || value.length === 0) return 'it is empty';
  if (!ENV_VAR_NAME.test(value)) return 'it is not an environment variable name';
  if (value === '.' || value === '..' || value.startsWith('..')) return 'it is ".", ".." or starts with ".."';
  return undefined;
}

/** Why a set of annotations is too large (keys and values together), or undefined. */
export function annotationsSizeProblem(annotations: Record<string, unknown>): string | undefined {
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations)) bytes += Buffer.byteLength(key) + Buffer.byteLength(String(value ?? ''));
  return bytes > ANNOTATIONS_MAX_BYTES ? `its keys and values take ${bytes} bytes, more than ${ANNOTATIONS_MAX_BYTES}` : undefined;
}

/** Kinds whose names the API server checks as DNS-1123 labels; Services take DNS-1035 labels, the rest subdomains. */
const LABEL_NAMED_KINDS = new Set(['Namespace']);

/** Why `name` is not a valid metadata.name for an object of `kind`, or undefined. */
export function objectNameProblem(kind: string, name: unknown): string | undefined {
  if (kind === 'Service') return dns1035LabelProblem(name);
  return LABEL_NAMED_KINDS.has(kind) ? dns1123LabelProblem(name) : dns1123SubdomainProblem(name);
}
