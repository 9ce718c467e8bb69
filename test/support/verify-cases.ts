import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Chart } from 'cdk8s';
import {
  AccessToken, Bookinfo, BookinfoIngressKind, CaCertificate, DataplaneMode, IstioRelease, LightstepTracing, VerifyScript, VerifyScriptProps,
} from '../../src';

const HERE = dirname(fileURLToPath(import.meta.url));

const CA_PEM = readFileSync(join(HERE, '..', 'fixtures', 'certs', 'valid-ca.pem'), 'utf8');

/** One generation's script, written from the constructs. */
export interface GenerationCase {
  readonly label: string;
  readonly release: string;
  readonly props: VerifyScriptProps;
}

export interface CaseOptions {
  readonly ingress?: BookinfoIngressKind;
  readonly token?: AccessToken;
  /** LightstepTracing.ingressGatewayName */
  readonly gatewayName?: string;
  /** Bookinfo.ingressGatewaySelector */
  readonly gatewaySelector?: { [key: string]: string };
  /** LightstepTracing.istioNamespace */
  readonly istioNamespace?: string;
  /** LightstepTracing.revision */
  readonly revision?: string;
  /** LightstepTracing.dataplaneMode and Bookinfo.dataplaneMode */
  readonly dataplaneMode?: DataplaneMode;
}

/** Builds LightstepTracing and Bookinfo for a release in a throwaway app and reads the script's description from them. */
export function propsFromConstructs(release: string, options: CaseOptions = {}): VerifyScriptProps {
  const outdir = mkdtempSync(join(tmpdir(), 'verify-app-'));
  try {
    const chart = new Chart(new App({ outdir }), 'chart');
    const tracing = new LightstepTracing(chart, 'Tracing', {
      istioRelease: IstioRelease.of(release),
      address: 'ingest.lightstep.com:443',
      caCertificate: CaCertificate.fromPem(CA_PEM),
      accessToken: options.token ?? AccessToken.fromEnv(),
      ingressGatewayName: options.gatewayName,
      istioNamespace: options.istioNamespace,
      revision: options.revision,
      dataplaneMode: options.dataplaneMode,
    });
    const bookinfo = new Bookinfo(chart, 'Bookinfo', {
      istioRelease: IstioRelease.of(release), ingress: options.ingress, ingressGatewaySelector: options.gatewaySelector, dataplaneMode: options.dataplaneMode,
    });
    return VerifyScript.propsFromConstructs({ tracing, bookinfo });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every generation that sends spans: 1.1-1.5, 1.6-1.14, Zipkin 1.15.0-1.16.0, 1.16.1+. */
export function generationCases(): GenerationCase[] {
  return [
    { label: 'helm values (1.4)', release: '1.4', props: propsFromConstructs('1.4') },
    { label: 'mesh config (1.9)', release: '1.9', props: propsFromConstructs('1.9') },
    { label: 'zipkin to the collector (1.16.0)', release: '1.16.0', props: propsFromConstructs('1.16.0') },
    { label: 'opentelemetry (1.30)', release: '1.30', props: propsFromConstructs('1.30') },
  ];
}
