import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ConfigurationError, locatedIn } from '../configuration-error';
import { DataplaneMode } from '../dataplane-mode';
import { IstioRelease } from '../istio-release';
import { addWarning } from '../warnings';
import { recordRelease, tracingReleaseOf } from '../analysis/_app-release';
import { MeshAnalysis } from '../analysis/mesh-analysis';
import { MeshNamespace } from '../mesh-namespace';
import { Waypoint } from '../waypoint';
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
   * Create the Namespace, labelled for sidecar injection (or for the ambient data plane).
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * How the pods join the mesh: injected sidecars, or the ambient data plane.
   *
   * In ambient mode (Istio 1.22 and later) the namespace is labelled `istio.io/dataplane-mode: ambient` and
   * `istio.io/use-waypoint: waypoint`, and a `Waypoint` serves every Service, so that each hop yields L7 spans; the
   * ingress is then the Gateway API's. With
   * createNamespace false, label the namespace so yourself (`MeshNamespace` with dataplaneMode ambient does).
   * @default DataplaneMode.SIDECAR
   */
  readonly dataplaneMode?: DataplaneMode;
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
   * @default BookinfoIngressKind.ISTIO_GATEWAY with sidecars, BookinfoIngressKind.GATEWAY_API in ambient mode
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
 * What ambient mode rules out, before anything is built: the Istio Gateway ingress (the ambient profile installs no
 * ingress gateway: components.ingressGateways istio-ingressgateway enabled: false in manifests/profiles/ambient.yaml),
 * a revision label (which injects sidecars), the sidecars' mutual TLS DestinationRules (ztunnel carries every connection
 * of an ambient pod over mutual TLS itself), and Pod Security "restricted" where the waypoint pod cannot meet it.
 */
function assertAmbientFits(ingress: BookinfoIngressKind, revision: string | undefined, restricted: boolean, mutualTls: boolean, release: IstioRelease): void {
  if (ingress === BookinfoIngressKind.ISTIO_GATEWAY) {
    throw new ConfigurationError('Bookinfo.ingress', ingress,
      'the ambient profile installs no istio-ingressgateway (manifests/profiles/ambient.yaml disables it), so an Istio Gateway would bind to nothing',
      `use ingress "${BookinfoIngressKind.GATEWAY_API}" (istiod deploys a gateway for it) or "${BookinfoIngressKind.NONE}", or set Bookinfo.dataplaneMode to sidecar`);
  }
  if (revision !== undefined) {
    throw new ConfigurationError('Bookinfo.revision', revision,
      'the namespace label istio.io/rev makes that revision\'s injector add sidecars, and a pod with a sidecar leaves the ambient data plane',
      'remove revision in ambient mode, or set Bookinfo.dataplaneMode to sidecar');
  }
  if (mutualTls) {
    throw new ConfigurationError('Bookinfo.mutualTls', true,
      'in ambient mode ztunnel carries every connection between the pods over mutual TLS (HBONE); destination-rule-all-mtls.yaml is for sidecars, whose TLS it sets',
      'remove mutualTls in ambient mode, or set Bookinfo.dataplaneMode to sidecar');
  }
  if (restricted && release.waypointSeccompValue === undefined) {
    throw new ConfigurationError('Bookinfo.restrictedPodSecurity', true,
      `the waypoint pod of Istio ${release} has no seccomp profile and no value to give it one (files/waypoint.yaml reads gateways.seccompProfile from 1.23), ` +
      'so Pod Security "restricted" would refuse it',
      'target Istio 1.23 or later, or set Bookinfo.restrictedPodSecurity to false');
  }
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
  /** How the pods join the mesh. */
  public readonly dataplaneMode: DataplaneMode;
  /** The waypoint that serves every Service in ambient mode. Undefined with sidecars. */
  public readonly waypoint?: Waypoint;
  /** The Gateway API CRDs the cluster needs for this Bookinfo's objects. Undefined when it writes no Gateway API object. */
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
      this.dataplaneMode = validateEnumValue('Bookinfo.dataplaneMode', props.dataplaneMode ?? DataplaneMode.SIDECAR, DataplaneMode);
      const ambient = this.dataplaneMode === DataplaneMode.AMBIENT;
      if (ambient) {
        this.release.assertSupportsAmbient('Bookinfo.dataplaneMode');
        const beta = this.release.ambientBetaWarning;
        if (beta) addWarningOnce(this, `Bookinfo.dataplaneMode: ${beta}`);
      }
      const defaultIngress = ambient ? BookinfoIngressKind.GATEWAY_API : BookinfoIngressKind.ISTIO_GATEWAY;
      this.ingress = validateEnumValue('Bookinfo.ingress', props.ingress ?? defaultIngress, BookinfoIngressKind);
      if (ambient) assertAmbientFits(this.ingress, revision, props.restrictedPodSecurity ?? false, props.mutualTls ?? false, this.release);
      this.routing = validateEnumValue('Bookinfo.routing', props.routing ?? BookinfoRoutingScenario.NONE, BookinfoRoutingScenario);
      // Given none, the selector is the labels the tracing's install gives the ingress gateway.
      const followedLabels = tracingReleaseOf(this)?.ingressGatewayLabels;
      const gatewaySelector = validateSelector('Bookinfo.ingressGatewaySelector', props.ingressGatewaySelector ?? followedLabels ?? BookinfoIngress.DEFAULT_GATEWAY_SELECTOR);
      const gatewayApi = this.ingress === BookinfoIngressKind.GATEWAY_API;
      if (gatewayApi || ambient) {
        // The routing scenario is written as mesh HTTPRoutes (Service parents) when the Gateway API carries the ingress;
        // in ambient mode the waypoint is a Gateway API Gateway whatever the ingress.
        this.gatewayApiCrds = GatewayApiCrds.forRelease(this.release, this.routing !== BookinfoRoutingScenario.NONE, gatewayApi ? 'Bookinfo.ingress' : 'Bookinfo.dataplaneMode');
      }
      assertRoutedVersionsDeployed(this.routing, this.reviewsVersions, 'Bookinfo.routing', 'Bookinfo.reviewsVersions');
      recordRelease({ release: this.release, construct: this, kind: 'Bookinfo', chosenBy: release.chosenBy, tracing: false });
      const createNamespace = props.createNamespace ?? true;
      const restrictedPodSecurity = props.restrictedPodSecurity ?? false;

      const waypointName = ambient ? Waypoint.DEFAULT_NAME : undefined;
      if (createNamespace) {
        this.namespaceObject = new MeshNamespace(this, 'Namespace', {
          name: this.namespace,
          revision,
          dataplaneMode: this.dataplaneMode,
          waypoint: waypointName,
          podSecurityEnforce: restrictedPodSecurity ? 'restricted' : undefined,
        }).apiObject;
      } else if (revision !== undefined) {
        addWarning(this, `Bookinfo.revision "${revision}" takes effect only through the Namespace label istio.io/rev, and createNamespace is false: label namespace ${this.namespace} yourself`);
      }
      // In ambient mode there is no istio-init to admit; the pods istiod deploys there are the analysis's to check.
      if (restrictedPodSecurity && !ambient) {
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
      if (ambient) {
        // One waypoint for the namespace, which its label istio.io/use-waypoint binds every Service to.
        this.waypoint = new Waypoint(this, 'Waypoint', { namespace: this.namespace, name: waypointName, istioRelease });
      }

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
