/**
 * validateAnnotations of the injector: a pod whose Istio annotations carry a value the release refuses is not
 * injected but rejected, so its creation fails. Ported from pilot/pkg/kube/inject/inject.go (1.1-1.3),
 * pkg/kube/inject/inject.go (1.4-1.8) and pkg/kube/inject/validate.go (1.9+): the table of validated annotations
 * per release, and each validator (strconv.ParseUint / ParseBool, net.ParseCIDR then netip.ParsePrefix from 1.18,
 * resource.ParseQuantity, netutil.ValidateInterfaceNames).
 *
 * Not ported: the semantic checks validateProxyConfig runs on `proxy.istio.io/config` after parsing it
 * (validation.ValidateProxyConfig / agent.ValidateMeshConfigProxyConfig); only a value that does not parse fails here.
 */
import { isIPv6 } from 'node:net';
import { GoTemplateError } from './go-value';
import { atLeast } from './releases';
import { parseYamlObject } from './mesh-config';
import { canonicalQuantity } from './quantity';

type Validator = (value: string, release: string) => string | undefined;

const GO_BOOLS = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'];

/** strconv.ParseUint(value, 10, bits): decimal digits only, no sign, no white space. */
function parseUint(value: string, bits: number): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const parsed = BigInt(value);
  return parsed < 2n ** BigInt(bits) ? Number(parsed) : undefined;
}

function validateUInt32(value: string): string | undefined {
  return parseUint(value, 32) === undefined ? `strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax or out of range` : undefined;
}

function validateBool(value: string): string | undefined {
  return GO_BOOLS.includes(value) ? undefined : `strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`;
}

/** parsePort: ParseUint(TrimSpace(port), 10, 16). */
function portError(port: string): string | undefined {
  return parseUint(port.trim(), 16) === undefined ? `failed parsing port '${port}'` : undefined;
}

/** parsePorts: an empty list is valid; otherwise every comma-separated entry is a port. */
function portListError(parameter: string, ports: string): string | undefined {
  const trimmed = ports.trim();
  if (trimmed === '') return undefined;
  for (const port of trimmed.split(',')) {
    const error = portError(port);
    if (error) return `${parameter} invalid: ${error}`;
  }
  return undefined;
}

function ipv4(text: string): boolean {
  const octets = text.split('.');
  return octets.length === 4 && octets.every((octet) => /^(0|[1-9]\d{0,2})$/.test(octet) && Number(octet) <= 255);
}

/** net.ParseCIDR (and netip.ParsePrefix from 1.18, which also refuses leading zeros in the prefix length). */
function cidrValid(cidr: string, release: string): boolean {
  const slash = cidr.lastIndexOf('/');
  if (slash < 0) return false;
  const address = cidr.slice(0, slash);
  const bits = cidr.slice(slash + 1);
  if (!/^\d+$/.test(bits) || (atLeast(release, '1.18') && bits.length > 1 && bits.startsWith('0'))) return false;
  if (ipv4(address)) return Number(bits) <= 32;
  return !address.includes('%') && isIPv6(address) && Number(bits) <= 128;
}

function cidrListError(name: string, ranges: string, release: string): string | undefined {
  if (ranges === '') return undefined;
  const bad = ranges.split(',').find((cidr) => !cidrValid(cidr, release));
  return bad === undefined ? undefined : `${name} invalid: failed parsing cidr '${bad}'`;
}

const validateInterceptionMode: Validator = (mode) =>
  (['REDIRECT', 'TPROXY', 'NONE'].includes(mode) ? undefined : `interceptionMode invalid, use REDIRECT,TPROXY,NONE: ${mode}`);
const validateStatusPort: Validator = (port) => portError(port);
const validateIncludeIPRanges: Validator = (ranges, release) => (ranges === '*' ? undefined : cidrListError('includeIPRanges', ranges, release));
const validateExcludeIPRanges: Validator = (ranges, release) => cidrListError('excludeIPRanges', ranges, release);
const validateIncludeInboundPorts: Validator = (ports) => (ports === '*' ? undefined : portListError('includeInboundPorts', ports));
const validateExcludeInboundPorts: Validator = (ports) => portListError('excludeInboundPorts', ports);
const validateExcludeOutboundPorts: Validator = (ports) => portListError('excludeOutboundPorts', ports);
const validateReadinessApplicationPorts: Validator = (ports) => (ports === '*' ? undefined : portListError('readinessApplicationPorts', ports));

const validateProxyConfig: Validator = (value) => {
  try {
    parseYamlObject(value, 'the proxy.istio.io/config annotation');
    return undefined;
  } catch (error) {
    return `failed to convert to apply proxy config: ${(error as Error).message}`;
  }
};

const validateResourceQuantity: Validator = (value) => {
  if ([...value].some((character) => /\p{Cc}/u.test(character))) return 'value contains control characters';
  try {
    canonicalQuantity(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

/** netutil.ValidateInterfaceNames (1.30). */
const validateInterfaceNames: Validator = (interfaces) => {
  if (interfaces === '') return undefined;
  for (const raw of interfaces.split(',')) {
    const name = raw.trim();
    if (name === '') return 'empty interface name';
    if (name.length > 15) return `interface name ${JSON.stringify(name)} too long (max 15 chars)`;
    if (!/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(name)) return `interface name ${JSON.stringify(name)} contains invalid characters`;
  }
  return undefined;
};

/** The annotations each release validates, with the first release that does and (exclusive) the first that no longer does. */
const VALIDATED: Array<{ name: string; validator: Validator; since: string; until?: string }> = [
  { name: 'sidecar.istio.io/interceptionMode', validator: validateInterceptionMode, since: '1.1' },
  { name: 'sidecar.istio.io/enableCoreDump', validator: validateBool, since: '1.5', until: '1.25' },
  { name: 'status.sidecar.istio.io/port', validator: validateStatusPort, since: '1.1' },
  { name: 'readiness.status.sidecar.istio.io/initialDelaySeconds', validator: validateUInt32, since: '1.1' },
  { name: 'readiness.status.sidecar.istio.io/periodSeconds', validator: validateUInt32, since: '1.1' },
  { name: 'readiness.status.sidecar.istio.io/failureThreshold', validator: validateUInt32, since: '1.1' },
  { name: 'readiness.status.sidecar.istio.io/applicationPorts', validator: validateReadinessApplicationPorts, since: '1.1', until: '1.5' },
  { name: 'traffic.sidecar.istio.io/includeOutboundIPRanges', validator: validateIncludeIPRanges, since: '1.1' },
  { name: 'traffic.sidecar.istio.io/excludeOutboundIPRanges', validator: validateExcludeIPRanges, since: '1.1' },
  { name: 'traffic.sidecar.istio.io/includeInboundPorts', validator: validateIncludeInboundPorts, since: '1.1' },
  { name: 'traffic.sidecar.istio.io/excludeInboundPorts', validator: validateExcludeInboundPorts, since: '1.1' },
  { name: 'traffic.sidecar.istio.io/excludeOutboundPorts', validator: validateExcludeOutboundPorts, since: '1.2' },
  { name: 'traffic.sidecar.istio.io/excludeInterfaces', validator: validateInterfaceNames, since: '1.30' },
  { name: 'traffic.sidecar.istio.io/kubevirtInterfaces', validator: validateInterfaceNames, since: '1.30' },
  { name: 'istio.io/reroute-virtual-interfaces', validator: validateInterfaceNames, since: '1.30' },
  { name: 'prometheus.istio.io/merge-metrics', validator: validateBool, since: '1.6' },
  { name: 'proxy.istio.io/config', validator: validateProxyConfig, since: '1.6' },
  { name: 'sidecar.istio.io/proxyCPU', validator: validateResourceQuantity, since: '1.27' },
  { name: 'sidecar.istio.io/proxyMemory', validator: validateResourceQuantity, since: '1.27' },
  { name: 'sidecar.istio.io/proxyCPULimit', validator: validateResourceQuantity, since: '1.27' },
  { name: 'sidecar.istio.io/proxyMemoryLimit', validator: validateResourceQuantity, since: '1.27' },
];

/** Throws, as the webhook refuses the pod, when an annotation the release validates has a value it does not accept. */
export function validateAnnotations(release: string, podName: string, annotations: Record<string, string>): void {
  const problems: string[] = [];
  for (const { name, validator, since, until } of VALIDATED) {
    if (!atLeast(release, since) || (until && atLeast(release, until))) continue;
    const value = annotations[name];
    if (value === undefined) continue;
    const problem = validator(value, release);
    if (problem) problems.push(`invalid value '${value}' for annotation '${name}': ${problem}`);
  }
  if (problems.length > 0) {
    throw new GoTemplateError(`the sidecar injector of Istio ${release} refuses pod ${podName}: ${problems.join('; ')}`);
  }
}
