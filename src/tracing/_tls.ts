import { ConfigurationError } from '../configuration-error';
import { CaCertificate } from './ca-certificate';

/** Throws when a CA certificate is given for a plaintext connection, where it could never take effect. */
export function assertCaCertificateUsable(field: string, secure: boolean, certificate: CaCertificate | undefined): void {
  if (certificate && !secure) {
    throw new ConfigurationError(field, certificate.source,
      'a CA certificate is given but secure is false, so it would never be used', 'remove the CA certificate, or set secure: true');
  }
}
