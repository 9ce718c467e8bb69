import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { IstioRelease } from '../istio-release';
import { addWarning } from '../warnings';
import { recordRelease } from '../analysis/_app-release';
import { MeshAnalysis } from '../analysis/mesh-analysis';
import { locatedIn } from '../configuration-error';
import { MeshNamespace } from '../mesh-namespace';
import { addWarningOnce } from '../tracing/_report-once';
import { assertRoutedVersionsDeployed } from './_routes';
import { releaseOrFollowed } from './_release';
import { BOOKINFO_PORT, PRODUCT_PAGE_PATH, SAMPLE_SERVICES, sampleService } from './_sample';
import {
  validateDnsLabel, validateEnumValue, validateImageRegistry, validateImageTag, validateReplicas, validateSelector, validateVersions,
} from './_validation';
import { BookinfoIngress } from './bookinfo-ingress';
import { BookinfoIngressKind } from './bookinfo-ingress-kind';
import { BookinfoMicroservice } from './bookinfo-microservice';
import { BookinfoRouting } from './bookinfo-routing';
import { BookinfoRoutingScenario } from './bookinfo-routing-scenario';
import { BookinfoService } from './bookinfo-service';
import { GatewayApiCrds } from './gateway-api-crds';

/** Props of Bookinfo. */
export interface BookinfoProps {
  /**
   * Namespace of every Bookinfo object.
   * @default 'default'
   */
  readonly namespace?: string;
  /**
   * Create the Namespace, labelled for sidecar injection.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Istio revision whose control plane injects the sidecars: labels the Namespace `istio.io/rev` instead of `istio-injection`.
   * @default no revision: the default control plane, through `istio-injection: enabled`
   */
  readonly revision?: string;
  /**
   * Istio release the objects are written for: apiVersions, ingress gateway port, image registry.
   * @default the release of the LightstepTracing already in the app, else the newest release this library knows
   */
  readonly istioRelease?: IstioRelease;
  /**
   * Registry and repository prefix of the images, e.g. a mirror.
   * @default the registry of the release's Bookinfo sample
   */
  readonly imageRegistry?: string;
  /**
   * Tag of the Bookinfo images.
   * @default '1.20.3'
   */
  readonly imageTag?: string;
  /**
   * reviews versions to deploy, among v1 (no stars), v2 (black stars) and v3 (red stars).
   * @default ['v1', 'v2', 'v3']
   */
  readonly reviewsVersions?: string[];
  /**
   * Pods per Deployment.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Run under Pod Security Admission "restricted": container security contexts as in bookinfo-psa.yaml (capabilities
   * dropped as "ALL"), a RuntimeDefault seccomp profile, and the created Namespace labelled to enforce "restricted".
   *
   * Sidecar injection then needs the Istio CNI node agent, since istio-init asks for NET_ADMIN and NET_RAW, and the
   * Gateway API ingress a seccomp profile for the gateway pod istiod deploys (LightstepTracing istioCni, restrictedGatewayPods).
   * @default false
   */
  readonly restrictedPodSecurity?: boolean;
  /**
   * Which API brings outside traffic to productpage.
   * @default BookinfoIngressKind.ISTIO_GATEWAY
   */
  readonly ingress?: BookinfoIngressKind;
  /**
   * Pod labels of the ingress gateway the Istio Gateway binds to. Helm-installed gateways carry { istio: 'ingress' }.
   * @default { istio: 'ingressgateway' }
   */
  readonly ingressGatewaySelector?: { [key: string]: string };
  /**
   * Request-routing scenario of Istio's traffic-management tasks.
   * @default BookinfoRoutingScenario.NONE
   */
  readonly routing?: BookinfoRoutingScenario;
  /**
   * Require Istio mutual TLS to every service through DestinationRules (destination-rule-all-mtls.yaml).
   * @default false
   */
  readonly mutualTls?: boolean;
}

/**
 * Istio's Bookinfo sample: four microservices (six Deployments), an optional Namespace labelled for injection, an
 * ingress and a routing scenario, each object as the sample of the chosen Istio release writes it.
 */
export class Bookinfo extends Construct {
  /** Namespace every object lives in. */
  public readonly namespace: string;
  /** The Istio release the objects are written for. */
  public readonly release: IstioRelease;
  /** Which API carries the ingress. */
  public readonly ingress: BookinfoIngressKind;
  /** The routing scenario applied. */
  public readonly routing: BookinfoRoutingScenario;
  /** Name of the ingress Gateway in `namespace`. Undefined without ingress. */
  public readonly gatewayName?: string;
  /** Port the Gateway server or listener binds. Undefined without ingress. */
  public readonly gatewayPort?: number;
  /** Pod labels of the ingress gateway an Istio Gateway selects. Undefined for another ingress. */
  public readonly ingressGatewaySelector?: { [key: string]: string };
  /** Host the ingress answers for: any. */
  public readonly ingressHost: string = '*';
  /** Path of the page to open through the ingress or a port-forward to productpage. */
  public readonly productPagePath: string = PRODUCT_PAGE_PATH;
  /** Service a port-forward reaches productpage through. */
  public readonly productPageService: string = BookinfoService.PRODUCTPAGE;
  /** Port of that Service. */
  public readonly productPagePort: number = BOOKINFO_PORT;
  /** reviews versions deployed, in order. */
  public readonly reviewsVersions: string[];
  /** Names of every Deployment, in the order they are written. */
  public readonly deploymentNames: string[];
  /** The Namespace object, when created. */
  public readonly namespaceObject?: ApiObject;
  /** The microservices, in the order of bookinfo.yaml. */
  public readonly microservices: BookinfoMicroservice[];
  /** The Gateway API CRDs the cluster needs for this Bookinfo's objects; undefined when it writes no Gateway API object. */
  public readonly gatewayApiCrds?: GatewayApiCrds;

  public constructor(scope: Construct, id: string, props: BookinfoProps = {}) {
    super(scope, id);
    try {
      this.namespace = validateDnsLabel('Bookinfo.namespace', props.namespace ?? 'default');
      const release = releaseOrFollowed(this, props.istioRelease, 'Bookinfo.istioRelease');
      this.release = release.release;
      const newerWarning = this.release.newerThanKnownWarning;
      if (newerWarning) addWarningOnce(this, `Bookinfo.istioRelease: ${newerWarning}`);
      const istioRelease = this.release;
      const revision = props.revision === undefined ? undefined : validateDnsLabel('Bookinfo.revision', props.revision);
      const imageRegistry = validateImageRegistry('Bookinfo.imageRegistry', props.imageRegistry ?? this.release.bookinfoImageRegistry);
      const imageTag = validateImageTag('Bookinfo.imageTag', props.imageTag ?? BookinfoMicroservice.DEFAULT_IMAGE_TAG);
      const replicas = validateReplicas('Bookinfo.replicas', props.replicas ?? 1);
      const reviews = sampleService(BookinfoService.REVIEWS);
      this.reviewsVersions = validateVersions('Bookinfo.reviewsVersions', props.reviewsVersions ?? [...reviews.versions], reviews.versions);
      this.ingress = validateEnumValue('Bookinfo.ingress', props.ingress ?? BookinfoIngressKind.ISTIO_GATEWAY, BookinfoIngressKind);
      this.routing = validateEnumValue('Bookinfo.routing', props.routing ?? BookinfoRoutingScenario.NONE, BookinfoRoutingScenario);
      const gatewaySelector = validateSelector('Bookinfo.ingressGatewaySelector', props.ingressGatewaySelector ?? BookinfoIngress.DEFAULT_GATEWAY_SELECTOR);
      const gatewayApi = this.ingress === BookinfoIngressKind.GATEWAY_API;
      if (gatewayApi) {
        // The routing scenario is written as mesh HTTPRoutes (Service parents) when the Gateway API carries the ingress.
        this.gatewayApiCrds = GatewayApiCrds.forRelease(this.release, this.routing !== BookinfoRoutingScenario.NONE, 'Bookinfo.ingress');
      }
      assertRoutedVersionsDeployed(this.routing, this.reviewsVersions, 'Bookinfo.routing', 'Bookinfo.reviewsVersions');
      recordRelease({ release: this.release, construct: this, kind: 'Bookinfo', chosenBy: release.chosenBy, tracing: false });
      const createNamespace = props.createNamespace ?? true;
      const restrictedPodSecurity = props.restrictedPodSecurity ?? false;

      if (createNamespace) {
        this.namespaceObject = new MeshNamespace(this, 'Namespace', {
          name: this.namespace,
          revision,
          podSecurityEnforce: restrictedPodSecurity ? 'restricted' : undefined,
        }).apiObject;
      } else if (revision !== undefined) {
        addWarning(this, `Bookinfo.revision "${revision}" takes effect only through the Namespace label istio.io/rev, and createNamespace is false: label namespace ${this.namespace} yourself`);
      }
      if (restrictedPodSecurity) {
        MeshAnalysis.of(this).warnUnlessIstioCni('Bookinfo.restrictedPodSecurity: Pod Security "restricted" (and "baseline") reject the istio-init container (NET_ADMIN, NET_RAW); ' +
          'install Istio with its CNI node agent (LightstepTracing istioCni: true) so that injected pods are admitted' +
          (this.ingress === BookinfoIngressKind.GATEWAY_API ? ', and give the Gateway API gateway pods a seccomp profile (LightstepTracing restrictedGatewayPods: true)' : ''));
      }
      if (props.ingressGatewaySelector !== undefined && this.ingress !== BookinfoIngressKind.ISTIO_GATEWAY) {
        addWarning(this, `Bookinfo.ingressGatewaySelector applies only to ingress "${BookinfoIngressKind.ISTIO_GATEWAY}"; it is ignored with ingress "${this.ingress}"`);
      }

      this.microservices = SAMPLE_SERVICES.map((service) => new BookinfoMicroservice(this, service.name, {
        service: service.name,
        namespace: this.namespace,
        versions: service.name === reviews.name ? this.reviewsVersions : undefined,
        istioRelease,
        imageRegistry,
        imageTag,
        replicas,
        restrictedPodSecurity,
      }));
      this.deploymentNames = this.microservices.flatMap((microservice) => microservice.deployments.map((deployment) => deployment.name));

      if (this.ingress !== BookinfoIngressKind.NONE) {
        const ingress = new BookinfoIngress(this, 'Ingress', { namespace: this.namespace, kind: this.ingress, istioRelease, gatewaySelector });
        this.gatewayName = ingress.gatewayName;
        if (this.ingress === BookinfoIngressKind.ISTIO_GATEWAY) this.ingressGatewaySelector = gatewaySelector;
        this.gatewayPort = ingress.gatewayPort;
      }
      new BookinfoRouting(this, 'Routing', {
        namespace: this.namespace,
        scenario: this.routing,
        gatewayApi,
        mutualTls: props.mutualTls ?? false,
        reviewsVersions: this.reviewsVersions,
        istioRelease,
      });

    } catch (error) {
      throw locatedIn(error, 'Bookinfo', this);
    }
    MeshAnalysis.of(this);
  }
}
