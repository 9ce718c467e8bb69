import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IstioRelease } from '../istio-release';
import { releaseOrFollowed } from './_release';
import { TracerStatsInclusion } from '../tracing/tracer-stats-inclusion';
import { BOOKINFO_PORT, sampleService } from './_sample';
import { BookinfoService } from './bookinfo-service';
import { validateDnsLabel, validateEnumValue, validateImageRegistry, validateImageTag, validateReplicas, validateVersions } from './_validation';
import { locatedIn } from '../configuration-error';

/** The tag of the Bookinfo images in Istio's sample. It moves independently of Istio releases. */
const DEFAULT_BOOKINFO_IMAGE_TAG = '1.20.3';

// bookinfo-psa.yaml drops capabilities as "all", which the Pod Security Admission check compares case-sensitively
// against "ALL", and sets no seccomp profile: it passes "baseline" (as its own comment says) but not "restricted".
// These two fields make it pass "restricted"; the seccomp profile is set on the pod so that it also covers the
// containers the Istio injector adds.
const RESTRICTED_CONTAINER_SECURITY: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
};
const RESTRICTED_POD_SECURITY: k8s.PodSecurityContext = { seccompProfile: { type: 'RuntimeDefault' } };

/** Props of a BookinfoMicroservice. */
export interface BookinfoMicroserviceProps {
  /** The Bookinfo service to deploy. */
  readonly service: BookinfoService;
  /** Namespace of every object. It must exist or be created alongside. */
  readonly namespace: string;
  /**
   * Versions to deploy, each as Deployment `<service>-<version>`.
   * @default every version the sample ships: v1, v2 and v3 for reviews, v1 for the others
   */
  readonly versions?: string[];
  /**
   * Istio release whose Bookinfo sample decides the image registry.
   * @default the release of the LightstepTracing already in the app, else the newest release this library knows
   */
  readonly istioRelease?: IstioRelease;
  /**
   * Registry and repository prefix of the images.
   * @default the registry of the release's sample
   */
  readonly imageRegistry?: string;
  /**
   * Tag of the images.
   * @default '1.20.3'
   */
  readonly imageTag?: string;
  /**
   * Pods per Deployment.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Give every pod the security context that Pod Security Admission "restricted" admits.
   * @default false
   */
  readonly restrictedPodSecurity?: boolean;
}

/**
 * One Bookinfo microservice as Istio's sample deploys it: a Service, a ServiceAccount and a Deployment per version.
 * Built from L1 objects so that it carries nothing the sample lacks (no requests, probes or extra labels): Istio
 * needs the `app` and `version` pod labels it selects on, and a laptop cluster must be able to schedule it.
 */
export class BookinfoMicroservice extends Construct {
  /** The tag of the Bookinfo images in Istio's sample. It moves independently of Istio releases. */
  public static readonly DEFAULT_IMAGE_TAG: string = DEFAULT_BOOKINFO_IMAGE_TAG;

  /** Name of the Service, the ServiceAccount suffix and the `app` label. */
  public readonly serviceName: string;
  /** Name of the ServiceAccount the pods run as. */
  public readonly serviceAccountName: string;
  /** Versions deployed, in sample order. */
  public readonly versions: string[];
  /** The Service that selects every version. */
  public readonly service: k8s.KubeService;
  /** The Deployments, one per version, in sample order. */
  public readonly deployments: k8s.KubeDeployment[];

  public constructor(scope: Construct, id: string, props: BookinfoMicroserviceProps) {
    super(scope, id);
    try {
      const name = validateEnumValue('BookinfoMicroservice.service', props.service, BookinfoService);
      const sample = sampleService(name);
      const namespace = validateDnsLabel('BookinfoMicroservice.namespace', props.namespace);
      const release = releaseOrFollowed(this, props.istioRelease, 'BookinfoMicroservice.istioRelease').release;
      const registry = validateImageRegistry('BookinfoMicroservice.imageRegistry', props.imageRegistry ?? release.bookinfoImageRegistry);
      const tag = validateImageTag('BookinfoMicroservice.imageTag', props.imageTag ?? BookinfoMicroservice.DEFAULT_IMAGE_TAG);
      const replicas = validateReplicas('BookinfoMicroservice.replicas', props.replicas ?? 1);
      const restricted = props.restrictedPodSecurity ?? false;

      this.serviceName = name;
      this.serviceAccountName = `bookinfo-${name}`;
      this.versions = validateVersions('BookinfoMicroservice.versions', props.versions ?? [...sample.versions], sample.versions);

      this.service = new k8s.KubeService(this, 'Service', {
        metadata: { name, namespace, labels: { app: name, service: name } },
        spec: { ports: [{ port: BOOKINFO_PORT, name: 'http' }], selector: { app: name } },
      });
      new k8s.KubeServiceAccount(this, 'ServiceAccount', {
        metadata: { name: this.serviceAccountName, namespace, labels: { account: name } },
      });

      // The one intended difference from Istio's sample: on 1.1-1.7 productpage's sidecar keeps Envoy's
      // tracing.lightstep.* counters only with this annotation, and verify.sh reads them there (1.8-1.14 keep
      // them mesh-wide through proxyStatsMatcher, later releases have no LightStep tracer).
      const statsInclusion = name === BookinfoService.PRODUCTPAGE ? TracerStatsInclusion.podAnnotationsFor(release) : {};
      const podAnnotations = { ...sample.podAnnotations, ...statsInclusion };
      const annotations = Object.keys(podAnnotations).length > 0 ? podAnnotations : undefined;
      const env = sample.env.length > 0 ? sample.env.map(([envName, value]) => ({ name: envName, value })) : undefined;
      const volumeMounts = sample.mounts.length > 0 ? sample.mounts.map((m) => ({ name: m.volume, mountPath: m.mountPath })) : undefined;
      const volumes = sample.emptyDirs.length > 0 ? sample.emptyDirs.map((volume) => ({ name: volume, emptyDir: {} })) : undefined;

      this.deployments = this.versions.map((version) => {
        const labels = { app: name, version };
        return new k8s.KubeDeployment(this, version, {
          metadata: { name: `${name}-${version}`, namespace, labels },
          spec: {
            replicas,
            selector: { matchLabels: labels },
            template: {
              metadata: { annotations, labels },
              spec: {
                serviceAccountName: this.serviceAccountName,
                securityContext: restricted ? RESTRICTED_POD_SECURITY : undefined,
                containers: [{
                  name,
                  image: `${registry}/examples-bookinfo-${name}-${version}:${tag}`,
                  imagePullPolicy: 'IfNotPresent',
                  env,
                  ports: [{ containerPort: BOOKINFO_PORT }],
                  volumeMounts,
                  securityContext: restricted ? RESTRICTED_CONTAINER_SECURITY : undefined,
                }],
                volumes,
              },
            },
          },
        });
      });
    } catch (error) {
      throw locatedIn(error, 'BookinfoMicroservice', this);
    }
  }
}
