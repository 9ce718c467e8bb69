import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../configuration-error';

/** Options for reading a CA certificate. */
export interface CaCertificateOptions {
  /**
   * The configuration key or prop the certificate came from, named in errors.
   * @default 'lightstep.caCertificateFile'
   */
  readonly field?: string;

  /**
   * The moment validity periods are checked against.
   * @default the current time
   */
  readonly now?: Date;
}

/** What one certificate of a CA bundle says about itself. */
export interface CertificateSummary {
  /** Subject distinguished name, e.g. "O=Example, CN=Satellite CA". */
  readonly subject: string;
  /** Issuer distinguished name. */
  readonly issuer: string;
  /** Start of the validity period. */
  readonly validFrom: Date;
  /** End of the validity period. */
  readonly validTo: Date;
  /** Whether basicConstraints marks it as a CA. */
  readonly isCa: boolean;
  /** SHA-256 fingerprint, colon-separated hex. */
  readonly fingerprint256: string;
}

const DEFAULT_FIELD = 'lightstep.caCertificateFile';
const INLINE_SOURCE = '<inline PEM>';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\n([\s\S]*?)\n?-----END \1-----/g;
const PRIVATE_KEY_MARKER = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const CONVERT_FIX = 'give the CA certificate in PEM form: a file with one or more "-----BEGIN CERTIFICATE-----" blocks';

/**
 * The CA certificate (or chain of CA certificates) that signed the LightStep satellite's TLS certificate,
 * checked when it is read so that a wrong file fails at synth time instead of as missing spans.
 */
export class CaCertificate {
  /**
   * Reads a PEM file, synchronously, when the construct tree is built.
   * @param path path of the PEM file. Relative paths resolve against the current directory
   */
  public static fromFile(path: string, options: CaCertificateOptions = {}): CaCertificate {
    const field = options.field ?? DEFAULT_FIELD;
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const problem = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : `cannot read the file (${code ?? (error as Error).message})`;
      throw new ConfigurationError(field, path, problem,
        'give the path of the CA certificate PEM file; a relative path resolves against the directory synth runs in');
    }
    if (looksLikeDer(bytes)) {
      throw new ConfigurationError(field, path, 'the file is binary DER, not PEM',
        `convert it: openssl x509 -inform der -in ${path} -out ca.pem, and point to ca.pem`);
    }
    return new CaCertificate(bytes.toString('utf8'), path, field, options.now ?? new Date());
  }

  /**
   * Takes PEM text, e.g. read by the caller from somewhere other than a file.
   * @param text PEM text with one or more CERTIFICATE blocks
   * @param source where the text came from, named in errors and warnings
   */
  public static fromPem(text: string, source: string = INLINE_SOURCE, options: CaCertificateOptions = {}): CaCertificate {
    return new CaCertificate(text, source, options.field ?? DEFAULT_FIELD, options.now ?? new Date());
  }

  /** The certificates as normalized PEM: CERTIFICATE blocks only, in order, LF line endings, trailing newline. */
  public readonly pem: string;
  /** Where the certificate came from: the file path, or the source given to `fromPem`. */
  public readonly source: string;
  /** Each certificate, in the order of the file. */
  public readonly certificates: CertificateSummary[];
  /** Problems that do not stop synthesis (expired, not yet valid, not a CA). Constructs that use the certificate report them. */
  public readonly warnings: string[];

  private constructor(text: string, source: string, field: string, now: Date) {
    this.source = source;
    const ders = parsePem(text, source, field);
    const parsed = ders.map((der, index) => {
      try {
        return new X509Certificate(der);
      } catch {
        throw new ConfigurationError(field, source, `certificate ${index + 1} of ${ders.length} cannot be parsed (damaged or truncated base64)`, CONVERT_FIX);
      }
    });
    this.certificates = parsed.map(summarize);
    this.pem = parsed.map((certificate) => toPemBlock(certificate.raw)).join('');
    this.warnings = this.certificates.flatMap((certificate, index) => {
      const which = ders.length > 1 ? `certificate ${index + 1} (${certificate.subject})` : `certificate "${certificate.subject}"`;
      const problems: string[] = [];
      if (now.getTime() > certificate.validTo.getTime()) {
        problems.push(`${source}: ${which} expired on ${certificate.validTo.toISOString()}; TLS to the satellite will fail until it is replaced`);
      }
      if (now.getTime() < certificate.validFrom.getTime()) {
        problems.push(`${source}: ${which} is not valid before ${certificate.validFrom.toISOString()}; TLS to the satellite will fail until then`);
      }
      if (!certificate.isCa) {
        problems.push(`${source}: ${which} is not a CA certificate (basicConstraints CA:FALSE or missing); give the CA that signed the satellite's certificate, not the satellite's own`);
      }
      return problems;
    });
  }

  /** Subject of each certificate, in order. */
  public get subjects(): string[] {
    return this.certificates.map((certificate) => certificate.subject);
  }
}

/** Returns the DER bytes of each CERTIFICATE block, refusing anything that is not a clean list of them. */
function parsePem(rawText: string, source: string, field: string): Buffer[] {
  const text = rawText.replace(/\r\n?/g, '\n');
  if (text.trim() === '') {
    throw new ConfigurationError(field, source, 'the CA certificate is empty', CONVERT_FIX);
  }
  // Checked before anything else so that no later message can quote key material.
  if (PRIVATE_KEY_MARKER.test(text)) {
    throw new ConfigurationError(field, source, 'the file holds a private key',
      'give only the CA certificate (its "-----BEGIN CERTIFICATE-----" blocks); a private key must never be copied into manifests. Remove it from the file, and rotate it if it was shared');
  }
  if (text.includes('\u0000')) {
    throw new ConfigurationError(field, source, 'the content is binary, not PEM text', CONVERT_FIX);
  }
  const blocks = [...text.matchAll(PEM_BLOCK)];
  const begins = (text.match(/-----BEGIN /g) ?? []).length;
  if (begins === 0) {
    throw new ConfigurationError(field, source, 'no PEM block found: this is not a PEM certificate', CONVERT_FIX);
  }
  if (blocks.length !== begins) {
    throw new ConfigurationError(field, source, 'a PEM block has no matching END line: the file is truncated or damaged', CONVERT_FIX);
  }
  return blocks.map((block, index) => {
    if (block[1] !== 'CERTIFICATE') {
      throw new ConfigurationError(field, source, `block ${index + 1} is a "${block[1]}", not a CERTIFICATE`, CONVERT_FIX);
    }
    const body = block[2].replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
      throw new ConfigurationError(field, source, `certificate ${index + 1} has characters that are not base64`, CONVERT_FIX);
    }
    return Buffer.from(body, 'base64');
  });
}

// DER certificates start with a SEQUENCE tag (0x30) and a long-form length; PEM text never does.
function looksLikeDer(bytes: Buffer): boolean {
  return bytes.length > 2 && bytes[0] === 0x30 && (bytes[1] & 0x80) !== 0;
}

function summarize(certificate: X509Certificate): CertificateSummary {
  return {
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    validFrom: new Date(certificate.validFrom),
    validTo: new Date(certificate.validTo),
    isCa: certificate.ca,
    fingerprint256: certificate.fingerprint256,
  };
}

function distinguishedName(multiline: string): string {
  return multiline.split('\n').filter((part) => part !== '').join(', ');
}

function toPemBlock(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
