import { ApiObject } from 'cdk8s';
import { EnvValue, EnvValueFromSecretOptions, ISecret, k8s, Resource } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { assertNamespaceName, assertObjectName, assertSecretKey } from './_names';
import { addWarningOnce } from './_report-once';
import { CaCertificate } from './ca-certificate';

/** The Secret name Istio's sidecar injector mounts for the LightStep tracer. */
export const LIGHTSTEP_CA_CERT_SECRET_NAME = 'lightstep.cacert';
/** The Secret key, which must equal the file name of the tracer's cacertPath. */
export const LIGHTSTEP_CA_CERT_KEY = 'cacert.pem';

/** Props for `LightstepCaCertSecret`. */
export interface LightstepCaCertSecretProps {
  /** Namespace whose pods mount the certificate. */
  readonly namespace: string;
  /** The CA certificate that signed the satellite's TLS certificate. */
  readonly certificate: CaCertificate;
  /**
   * Name of the Secret; Istio's injector looks for exactly this name.
   * @default 'lightstep.cacert'
   */
  readonly name?: string;
  /**
   * Key of the PEM in the Secret: the file name of the cacertPath the proxies read.
   * @default 'cacert.pem'
   */
  readonly key?: string;
}

/**
 * The Secret `lightstep.cacert` that holds the satellite's CA certificate in one namespace. Istio's sidecar
 * injector mounts it as an optional volume, so without it pods start fine and silently send no spans.
 * It is an `ISecret`, so cdk8s-plus `Volume.fromSecret` and `EnvValue.fromSecretValue` accept it.
 */
export class LightstepCaCertSecret extends Resource implements ISecret {
  /** @see base.Resource.apiObject */
  protected readonly apiObject: ApiObject;
  public readonly resourceType = 'secrets';
  /** Key of the PEM in the Secret. */
  public readonly key: string;
  /** Namespace of the Secret. */
  public readonly namespace: string;
  /** The certificate it holds. */
  public readonly certificate: CaCertificate;

  public constructor(scope: Construct, id: string, props: LightstepCaCertSecretProps) {
    super(scope, id);
    const name = props.name ?? LIGHTSTEP_CA_CERT_SECRET_NAME;
    this.key = props.key ?? LIGHTSTEP_CA_CERT_KEY;
    assertNamespaceName('LightstepCaCertSecret.namespace', props.namespace);
    assertObjectName('LightstepCaCertSecret.name', name);
    assertSecretKey('LightstepCaCertSecret.key', this.key);
    this.namespace = props.namespace;
    this.certificate = props.certificate;
    this.apiObject = new k8s.KubeSecret(this, 'Resource', {
      metadata: { name, namespace: props.namespace, labels: { app: 'lightstep' } },
      type: 'Opaque',
      data: { [this.key]: Buffer.from(props.certificate.pem, 'utf8').toString('base64') },
    });
    for (const warning of props.certificate.warnings) addWarningOnce(this, warning);
  }

  public envValue(key: string, options?: EnvValueFromSecretOptions): EnvValue {
    return EnvValue.fromSecretValue({ secret: this, key }, options);
  }
}
