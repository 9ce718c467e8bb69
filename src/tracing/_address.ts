import { ConfigurationError } from '../configuration-error';

/** A satellite or ingest address split into its parts. */
export interface ParsedAddress {
  readonly host: string;
  readonly port: number;
}

const HOST_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9_]*[A-Za-z0-9])?$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

const EXAMPLE = 'give host:port, e.g. "lightstep-satellite.lightstep:9292" or "ingest.lightstep.com:443"';

/**
 * Parses "host:port" as the LightStep tracer of Envoy and the collector's OTLP exporter both expect it.
 * IPv6 literals are refused: the native tracer generations split the address at its colon, and a DNS name
 * works on every generation.
 */
export function parseAddress(field: string, address: unknown): ParsedAddress {
  if (typeof address !== 'string' || address.trim() === '') {
    throw new ConfigurationError(field, address, 'the LightStep address is missing', EXAMPLE);
  }
  if (address !== address.trim() || /\s/.test(address)) {
    throw new ConfigurationError(field, address, 'the address contains whitespace', EXAMPLE);
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(address)) {
    throw new ConfigurationError(field, address, 'the address is a URL, not host:port',
      `drop the scheme: TLS is chosen by "secure", not by https://; ${EXAMPLE}`);
  }
  if (address.includes('/')) {
    throw new ConfigurationError(field, address, 'the address has a path; LightStep takes spans on host:port alone', EXAMPLE);
  }
  if (address.startsWith('[') || (address.match(/:/g) ?? []).length > 1) {
    throw new ConfigurationError(field, address, 'IPv6 address literals are not supported',
      'use a DNS name that resolves to the IPv6 address, e.g. "satellite.example.com:9292"');
  }
  const colon = address.lastIndexOf(':');
  if (colon < 0) {
    throw new ConfigurationError(field, address, 'the address has no port', `${EXAMPLE} (443 for LightStep's public ingest)`);
  }
  const host = address.slice(0, colon);
  const portText = address.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw new ConfigurationError(field, address, `port "${portText}" is not a number from 1 to 65535`, EXAMPLE);
  }
  if (!isHost(host)) {
    throw new ConfigurationError(field, address, `"${host}" is not a host name or IPv4 address`, EXAMPLE);
  }
  return { host, port: Number(portText) };
}

function isHost(host: string): boolean {
  const ipv4 = IPV4.exec(host);
  if (ipv4) return ipv4.slice(1).every((octet) => Number(octet) <= 255);
  // A name of digits and dots alone is a mistyped IPv4 address, not a host name.
  if (/^[\d.]+$/.test(host)) return false;
  return host.length > 0 && host.length <= 253 && host.split('.').every((label) => label.length <= 63 && HOST_LABEL.test(label));
}
