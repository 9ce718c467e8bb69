import { AnalysisInput } from '../analysis-input';
import { describeObject, namespaceOf } from '../manifest-set';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kinds whose names the API server checks as DNS-1123 labels (or DNS-1035 for Services) rather than subdomains. */
const LABEL_NAMED_KINDS = new Set(['Namespace']);

/** True for a valid DNS-1123 label: lower-case alphanumerics and '-', at most 63 characters. */
export function isDns1123Label(name: string): boolean {
  return typeof name === 'string' && name.length <= 63 && DNS1123_LABEL.test(name);
}

/** True for a valid DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export function isDns1123Subdomain(name: string): boolean {
  return typeof name === 'string' && name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

/** Why a label key is invalid, or undefined when it is valid (optional DNS prefix, name of at most 63). */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return `its prefix "${prefix}" is not a DNS-1123 subdomain`;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return 'its name part must be 1-63 alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric';
  return undefined;
}

/** True for a valid label value: empty, or at most 63 alphanumerics, '-', '_' or '.', alphanumeric at both ends. */
export function isLabelValue(value: string): boolean {
  return typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value);
}

function isPort(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

/** Object and namespace names, label keys and values, and port numbers, as the API server checks them. */
export function checkNamesLabelsAndPorts({ manifests }: AnalysisInput): string[] {
  const errors: string[] = [];
  for (const { manifest } of manifests.objects) {
    const what = describeObject(manifest);
    const name = manifest.metadata?.name;
    if (manifest.kind === 'Service' ? !(name?.length <= 63 && DNS1035_LABEL.test(name))
      : LABEL_NAMED_KINDS.has(manifest.kind) ? !isDns1123Label(name) : !isDns1123Subdomain(name)) {
      errors.push(`${what}: the name ${JSON.stringify(name)} is not valid for a ${manifest.kind}. Fix: use lower-case letters, digits and "-"${manifest.kind === 'Service' ? ', starting with a letter,' : ''} at most 63 characters`);
    }
    if (manifest.metadata?.namespace !== undefined && !isDns1123Label(namespaceOf(manifest))) {
      errors.push(`${what}: the namespace ${JSON.stringify(manifest.metadata.namespace)} is not a DNS-1123 label. Fix: use lower-case letters, digits and "-", at most 63 characters`);
    }
    const labelSets = [manifest.metadata?.labels, manifest.spec?.template?.metadata?.labels, manifest.spec?.selector?.matchLabels];
    for (const labels of labelSets) {
      for (const [key, value] of Object.entries<string>(labels ?? {})) {
        const keyProblem = labelKeyProblem(key);
        if (keyProblem) errors.push(`${what}: label key ${JSON.stringify(key)} is invalid: ${keyProblem}. Fix: rename the label`);
        if (!isLabelValue(value)) errors.push(`${what}: label ${key} has the invalid value ${JSON.stringify(value)}. Fix: use at most 63 alphanumerics, "-", "_" or ".", alphanumeric at both ends`);
      }
    }
    for (const port of portsOf(manifest)) {
      if (!isPort(port.value)) errors.push(`${what}: ${port.where} ${JSON.stringify(port.value)} is not a port number. Fix: use an integer from 1 to 65535`);
    }
  }
  return errors;
}

function portsOf(manifest: any): Array<{ where: string; value: unknown }> {
  const ports: Array<{ where: string; value: unknown }> = [];
  if (manifest.kind === 'Service') {
    for (const port of manifest.spec?.ports ?? []) {
      ports.push({ where: 'Service port', value: port.port });
      if (typeof port.targetPort === 'number') ports.push({ where: 'targetPort', value: port.targetPort });
    }
  }
  for (const container of manifest.spec?.template?.spec?.containers ?? []) {
    for (const port of container.ports ?? []) ports.push({ where: `containerPort of ${container.name}`, value: port.containerPort });
  }
  if (manifest.apiVersion?.startsWith('networking.istio.io/') && manifest.kind === 'Gateway') {
    for (const server of manifest.spec?.servers ?? []) ports.push({ where: 'Gateway server port', value: server.port?.number });
  }
  if (manifest.apiVersion?.startsWith('gateway.networking.k8s.io/') && manifest.kind === 'Gateway') {
    for (const listener of manifest.spec?.listeners ?? []) ports.push({ where: `listener ${listener.name} port`, value: listener.port });
  }
  return ports;
}
