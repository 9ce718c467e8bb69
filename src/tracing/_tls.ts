import { ConfigurationError } from '../configuration-error';
import { ParsedAddress } from './_address';
import { CaCertificate } from './ca-certificate';

/** LightStep's public endpoints, which take spans over TLS only on port 443: the OTLP ingest and the tracers' collectors. */
const PUBLIC_TLS_HOSTS = new Set(['ingest.lightstep.com', 'ingest.eu.lightstep.com', 'collector.lightstep.com', 'collector-grpc.lightstep.com']);
const HTTPS_PORT = 443;

/** Throws when a CA certificate is given for a plaintext connection, where it could never take effect. */
export function assertCaCertificateUsable(field: string, secure: boolean, certificate: CaCertificate | undefined): void {
  if (certificate && !secure) {
    throw new ConfigurationError(field, certificate.source,
      'a CA certificate is given but secure is false, so it would never be used', 'remove the CA certificate, or set secure: true');
  }
}

/**
 * Throws when spans would travel in plaintext to one of LightStep's public endpoints, which answer only TLS there: the
 * proxies (no transport socket) or the collector (`tls.insecure`) would fail every export, and nothing else would say so.
 */
export function assertPlaintextReachable(field: string, secure: boolean, address: ParsedAddress): void {
  if (secure || address.port !== HTTPS_PORT || !PUBLIC_TLS_HOSTS.has(address.host.toLowerCase())) return;
  throw new ConfigurationError(field, secure,
    `${address.host}:${address.port} is LightStep's public endpoint, which takes spans over TLS only: in plaintext every export would fail`,
    'set secure: true (LightStep\'s certificate is signed by a public CA: give no CA certificate), or point address at a satellite that serves plaintext');
}

/** A warning for plaintext to port 443 of any other host, where TLS is what usually listens; undefined otherwise. */
export function plaintextToHttpsPortWarning(field: string, secure: boolean, address: ParsedAddress): string | undefined {
  if (secure || address.port !== HTTPS_PORT) return undefined;
  return `${field} is false with ${address.host}:${address.port}: port 443 usually serves TLS, and spans sent in plaintext there are refused; ` +
    'set secure: true unless that satellite really serves plaintext on 443';
}
