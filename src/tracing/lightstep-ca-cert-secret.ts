import { ApiObject } from 'cdk8s';
import { Container, EnvValue, EnvValueFromSecretOptions, ISecret, k8s, Resource, Volume } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { MeshAnalysis } from '../analysis/mesh-analysis';
import { ConfigurationError, locatedIn } from '../configuration-error';
import { assertNamespaceName, assertObjectName, assertSecretKey } from './_names';
import { addWarningOnce } from './_report-once';
import { CaCertificate } from './ca-certificate';

const LIGHTSTEP_CA_CERT_SECRET_NAME = 'lightstep.cacert';
const LIGHTSTEP_CA_CERT_KEY = 'cacert.pem';
// Not "lightstep-certs", the volume Istio's injector adds to every injected pod on 1.1 - 1.14: up to 1.8 it
// appends its volumes without merging by name, and the API server refuses a pod with two volumes of one name.
const LIGHTSTEP_CA_CERT_VOLUME = 'lightstep-cacert';
// The directory of the LightStep tracer's default cacertPath, /etc/lightstep/cacert.pem.
const LIGHTSTEP_CA_CERT_MOUNT_PATH = '/etc/lightstep';

/** Props for `LightstepCaCertSecret`. */
export interface LightstepCaCertSecretProps {
  /** Namespace whose pods mount the certificate. */
  readonly namespace: string;
  /** The CA certificate that signed the satellite's TLS certificate. */
  readonly certificate: CaCertificate;
  /**
   * Name of the Secret. Istio's injector looks for exactly this name.
   * @default 'lightstep.cacert'
   */
  readonly name?: string;
  /**
   * Key of the PEM in the Secret: the file name of the cacertPath the proxies read.
   * @default 'cacert.pem'
   */
  readonly key?: string;
}

/** Options of `LightstepCaCertSecret.mountInto`. */
export interface LightstepCaCertMountOptions {
  /**
   * Directory the Secret is mounted at, read-only. The certificate is the file named after the key in it.
   * @default LightstepCaCertSecret.MOUNT_PATH, '/etc/lightstep', where LightStep tracers read cacert.pem by default
   */
  readonly path?: string;
}

/** Every LightstepCaCertSecret of a tree by namespace and name, the first one created for each. */
const secretsByRoot = new WeakMap<IConstruct, Map<string, LightstepCaCertSecret>>();

/**
 * The Secret `lightstep.cacert` that holds the satellite's CA certificate in one namespace. Istio's sidecar
 * injector mounts it as an optional volume, so without it pods start fine and silently send no spans.
 * It is an `ISecret`, so cdk8s-plus `Volume.fromSecret` and `EnvValue.fromSecretValue` accept it.
 *
 * A namespace holds one such Secret: `LightstepCaCertSecret.of` returns the one the app already has, and two
 * created with `new` fail the synth, naming both.
 */
export class LightstepCaCertSecret extends Resource implements ISecret {
  /** The Secret name Istio's sidecar injector mounts for the LightStep tracer. */
  public static readonly NAME = LIGHTSTEP_CA_CERT_SECRET_NAME;
  /** The default key of the PEM, the file name of the tracer's default cacertPath. */
  public static readonly KEY = LIGHTSTEP_CA_CERT_KEY;
  /**
   * Name of the pod volume that the volume and mountInto methods give the Secret, a DNS-1123 label.
   *
   * The volume name cdk8s-plus derives from the Secret's name (`secret-lightstep.cacert`) has dots, which the API
   * server refuses in a volume name.
   */
  public static readonly VOLUME_NAME = LIGHTSTEP_CA_CERT_VOLUME;
  /** Directory the mountInto method mounts the Secret at by default, the one of the tracer's default cacertPath. */
  public static readonly MOUNT_PATH = LIGHTSTEP_CA_CERT_MOUNT_PATH;

  /**
   * The CA Secret of `props.namespace` and `props.name` anywhere in the app of `scope`, created under `scope`
   * with `id` when the app has none yet.
   *
   * An existing one is returned when it holds the same certificate under
   * the same key; otherwise this throws, naming both constructs, since kubectl would keep only one of them.
   */
  public static of(scope: Construct, id: string, props: LightstepCaCertSecretProps): LightstepCaCertSecret {
    const name = props.name ?? LightstepCaCertSecret.NAME;
    const existing = secretsByRoot.get(scope.node.root)?.get(`${props.namespace}/${name}`);
    if (!existing) return new LightstepCaCertSecret(scope, id, props);
    const key = props.key ?? LightstepCaCertSecret.KEY;
    const requested = `${scope.node.path}/${id}`;
    if (existing.key !== key) {
      throw new ConfigurationError('LightstepCaCertSecret.key', key, `Secret ${props.namespace}/${name} exists already (${existing.node.path}) with key ${JSON.stringify(existing.key)}`,
        'give both the same key (the file name of the cacertPath), or let the tracing construct create the Secret', `LightstepCaCertSecret at ${requested}`);
    }
    if (existing.certificate.pem !== props.certificate.pem) {
      throw new ConfigurationError('LightstepCaCertSecret.certificate', props.certificate.source,
        `Secret ${props.namespace}/${name} exists already (${existing.node.path}) with another certificate (${existing.certificate.source})`,
        'use the same CA certificate for both, or let one construct create the Secret', `LightstepCaCertSecret at ${requested}`);
    }
    return existing;
  }

  /** @see base.Resource.apiObject */
  protected readonly apiObject: ApiObject;
  public readonly resourceType = 'secrets';
  /** Key of the PEM in the Secret. */
  public readonly key: string;
  /** Namespace of the Secret. */
  public readonly namespace: string;
  /** The certificate it holds. */
  public readonly certificate: CaCertificate;
  private caVolume?: Volume;

  public constructor(scope: Construct, id: string, props: LightstepCaCertSecretProps) {
    super(scope, id);
    const name = props.name ?? LightstepCaCertSecret.NAME;
    this.key = props.key ?? LightstepCaCertSecret.KEY;
    try {
      assertNamespaceName('LightstepCaCertSecret.namespace', props.namespace);
      assertObjectName('LightstepCaCertSecret.name', name);
      assertSecretKey('LightstepCaCertSecret.key', this.key);
    } catch (error) {
      throw locatedIn(error, 'LightstepCaCertSecret', this);
    }
    this.namespace = props.namespace;
    this.certificate = props.certificate;
    this.apiObject = new k8s.KubeSecret(this, 'Resource', {
      metadata: { name, namespace: props.namespace, labels: { app: 'lightstep' } },
      type: 'Opaque',
      data: { [this.key]: Buffer.from(props.certificate.pem, 'utf8').toString('base64') },
    });
    for (const warning of props.certificate.warnings) addWarningOnce(this, warning);

    const secrets = secretsByRoot.get(this.node.root) ?? new Map<string, LightstepCaCertSecret>();
    secretsByRoot.set(this.node.root, secrets);
    const existing = secrets.get(`${this.namespace}/${name}`);
    // A second one is reported by the analysis, which names both; `of` is the way to share the first.
    if (!existing) secrets.set(`${this.namespace}/${name}`, this);
    MeshAnalysis.of(this);
  }

  public envValue(key: string, options?: EnvValueFromSecretOptions): EnvValue {
    return EnvValue.fromSecretValue({ secret: this, key }, options);
  }

  /**
   * The Secret as a cdk8s-plus volume for containers to mount, named after VOLUME_NAME (one volume object, whichever pods use it).
   *
   * The mountInto method mounts it where the tracer reads the certificate.
   */
  public volume(): Volume {
    this.caVolume ??= Volume.fromSecret(this, 'Volume', this, { name: LightstepCaCertSecret.VOLUME_NAME });
    return this.caVolume;
  }

  /**
   * Mounts the Secret read-only into `container`, as the volume the volume method returns, at `options.path`
   * (by default `/etc/lightstep`, where LightStep tracers read `cacert.pem`).
   * @returns the path of the certificate file in the container, e.g. `/etc/lightstep/cacert.pem`
   */
  public mountInto(container: Container, options: LightstepCaCertMountOptions = {}): string {
    const path = options.path ?? LightstepCaCertSecret.MOUNT_PATH;
    if (typeof path !== 'string' || !path.startsWith('/') || path === '/' || path.includes(':')) {
      throw locatedIn(new ConfigurationError('LightstepCaCertMountOptions.path', path, 'not a directory to mount the CA at',
        `give an absolute path other than "/", e.g. "${LightstepCaCertSecret.MOUNT_PATH}"`), 'LightstepCaCertSecret', this);
    }
    container.mount(path, this.volume(), { readOnly: true });
    return `${path.replace(/\/+$/, '')}/${this.key}`;
  }
}
