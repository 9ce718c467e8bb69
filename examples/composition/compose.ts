/**
 * Composing the constructs in your own chart, next to cdk8s-plus objects. In your project, import from
 * 'cdk8s-istio-lightstep' instead of '../../src'.
 */
import { Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Bookinfo, CaCertificate, IstioRelease, LightstepCaCertSecret, LightstepTracing, MeshNamespace } from '../../src';

/** Props of ShopChart. */
export interface ShopChartProps extends ChartProps {
  /** CA that signed the LightStep satellites' certificate. */
  readonly certificate: CaCertificate;
  /**
   * Istio release the cluster runs.
   * @default '1.14', the newest release with the native LightStep tracer, whose sidecars mount lightstep.cacert
   */
  readonly istioRelease?: IstioRelease;
  /**
   * Namespace of the shop's own workloads.
   * @default 'shop'
   */
  readonly namespace?: string;
  /**
   * Namespace of the Bookinfo sample.
   * @default 'bookinfo'
   */
  readonly bookinfoNamespace?: string;
}

/** A user's chart: two cdk8s-plus Deployments that read the satellites' CA, Bookinfo beside them, and LightStep tracing. */
export class ShopChart extends Chart {
  /** The CA Secret in the shop namespace. */
  public readonly caSecret: LightstepCaCertSecret;
  /** Mounts the CA Secret as a cdk8s-plus ISecret. */
  public readonly api: kplus.Deployment;
  /** Refers to the CA Secret by its name. */
  public readonly worker: kplus.Deployment;
  public readonly bookinfo: Bookinfo;
  public readonly tracing: LightstepTracing;

  public constructor(scope: Construct, id: string, props: ShopChartProps) {
    super(scope, id, props);
    const namespace = props.namespace ?? 'shop';
    const bookinfoNamespace = props.bookinfoNamespace ?? 'bookinfo';
    const istioRelease = props.istioRelease ?? IstioRelease.of('1.14');

    // Labelled for sidecar injection: the injector mounts lightstep.cacert into every pod of the namespace.
    new MeshNamespace(this, 'Namespace', { name: namespace });
    this.caSecret = new LightstepCaCertSecret(this, 'LightstepCa', { namespace, certificate: props.certificate });

    this.api = new kplus.Deployment(this, 'api', { metadata: { namespace }, replicas: 1 });
    this.api.addContainer({
      name: 'api',
      image: 'registry.example.com/shop/api:1.0.0',
      portNumber: 8080,
      resources: { cpu: { request: kplus.Cpu.millis(50) }, memory: { request: Size.mebibytes(64) } },
      // The Secret's own volume: named lightstep-cacert, where kplus.Volume.fromSecret would derive a name from
      // the Secret's, secret-lightstep.cacert, which the API server refuses.
      volumeMounts: [{ path: '/etc/shop/lightstep', volume: this.caSecret.volume(), readOnly: true }],
    });

    this.worker = new kplus.Deployment(this, 'worker', { metadata: { namespace }, replicas: 1 });
    this.worker.addContainer({
      name: 'worker',
      image: 'registry.example.com/shop/worker:1.0.0',
      resources: { cpu: { request: kplus.Cpu.millis(50) }, memory: { request: Size.mebibytes(64) } },
      envVariables: { LIGHTSTEP_CA_SECRET: kplus.EnvValue.fromValue(this.caSecret.name) },
      volumeMounts: [{
        path: '/etc/worker/lightstep',
        volume: kplus.Volume.fromSecret(this, 'lightstep-ca-by-name', kplus.Secret.fromSecretName(this, 'ca-by-name', this.caSecret.name), { name: 'lightstep-ca' }),
      }],
    });

    this.bookinfo = new Bookinfo(this, 'Bookinfo', { namespace: bookinfoNamespace, istioRelease });
    this.tracing = new LightstepTracing(this, 'Tracing', {
      istioRelease,
      address: 'lightstep-satellite.lightstep:9292',
      caCertificate: props.certificate,
      // The shop namespace has its Secret above; the tracing construct adds the one Bookinfo's sidecars mount.
      applicationNamespaces: [bookinfoNamespace],
    });
  }
}
