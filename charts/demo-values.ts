import { CaCertificate } from '../src';
import { AppConfig } from './app-config';

/**
 * SHA-256 fingerprint of examples/certs/example-ca.crt: a CA made for this repository whose key was thrown
 * away, so nothing it would verify can exist. Matched by fingerprint, not by file name, so that a copy of it
 * under any name is still recognized.
 */
export const EXAMPLE_CA_FINGERPRINT = 'B5:B3:C2:5C:F9:E6:87:BF:55:53:7F:66:3F:5D:DC:62:4E:00:62:D6:E5:AD:53:75:9D:A1:68:8A:4B:07:80:A3';

/** Top-level domains reserved for examples and documentation (RFC 2606, RFC 6761): no satellite lives there. */
const RESERVED_TOP_LEVEL = ['example', 'invalid', 'test', 'localhost'];
const RESERVED_SECOND_LEVEL = ['example.com', 'example.net', 'example.org'];

/**
 * Warnings for values that only make sense as a demonstration: the repository's example CA and a satellite
 * address under a reserved example domain. The committed lightstep.yaml starts with both, so that a fresh
 * clone synthesizes; every synth says so until the user's own values replace them.
 */
export function demoValueWarnings(config: AppConfig, caCertificate: CaCertificate | undefined, source: string): string[] {
  const warnings: string[] = [];
  if (caCertificate?.certificates.some((certificate) => certificate.fingerprint256 === EXAMPLE_CA_FINGERPRINT)) {
    warnings.push(`Warning: ${source}: lightstep.caCertificateFile (${config.lightstep.caCertificateFile}) is the repository's example CA, which no satellite's certificate is signed by: spans will fail the TLS handshake. Replace it with the CA certificate of your satellites.`);
  }
  const host = config.lightstep.address.replace(/:\d+$/, '').toLowerCase().replace(/\.$/, '');
  const labels = host.split('.');
  if (RESERVED_TOP_LEVEL.includes(labels[labels.length - 1]) || RESERVED_SECOND_LEVEL.some((domain) => host === domain || host.endsWith(`.${domain}`))) {
    warnings.push(`Warning: ${source}: lightstep.address "${config.lightstep.address}" is a placeholder under a domain reserved for examples: no satellite answers there. Replace it with your satellite pool's host:port, or ingest.lightstep.com:443.`);
  }
  return warnings;
}
