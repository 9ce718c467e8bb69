import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DATAPLANE_MODE_LABEL, USE_WAYPOINT_LABEL } from './_ambient-labels';
import { registerNamespace } from './_namespace-order';
import { MeshAnalysis } from './analysis/mesh-analysis';
import { isDns1123Label, isLabelValue } from './analysis/_kubernetes-names';
import { POD_SECURITY_ENFORCE_LABEL } from './analysis/pod-security';
import { ConfigurationError, locatedIn } from './configuration-error';
import { DataplaneMode } from './dataplane-mode';

/** Properties of a MeshNamespace. */
export interface MeshNamespaceProps {
  /** Name of the namespace (a DNS-1123 label). */
  readonly name: string;
  /**
   * How the pods of this namespace join the mesh: an injected sidecar, or the ambient data plane (label
   * `istio.io/dataplane-mode: ambient`, no injection label).
   * @default DataplaneMode.SIDECAR
   */
  readonly dataplaneMode?: DataplaneMode;
  /**
   * Whether Istio injects sidecars into pods of this namespace (sidecar data plane only).
   * @default true with DataplaneMode.SIDECAR, false with DataplaneMode.AMBIENT
   */
  readonly sidecarInjection?: boolean;
  /**
   * Name of the waypoint (a Gateway of class istio-waypoint in this namespace) that serves the namespace's Services:
   * the label `istio.io/use-waypoint` (ambient data plane only).
   * @default - no waypoint: only L4 through ztunnel, which makes no spans
   */
  readonly waypoint?: string;
  /**
   * Istio revision whose control plane injects the sidecars: labels `istio.io/rev` instead of `istio-injection`.
   * @default - the default revision (label istio-injection: enabled)
   */
  readonly revision?: string;
  /**
   * Pod Security Admission level to enforce (`pod-security.kubernetes.io/enforce`), e.g. "restricted".
   * @default - none
   */
  readonly podSecurityEnforce?: string;
}

/**
 * A Namespace labelled the way Istio reads it: `istio-injection: enabled`, `istio.io/rev: <revision>` for a
 * revisioned control plane, `istio-injection: disabled` for namespaces such as the collector's, whose pods
 * must not be meshed, or `istio.io/dataplane-mode: ambient` (and `istio.io/use-waypoint`) for the ambient data plane.
 * One place decides those labels for every construct of this library.
 *
 * Within its chart, the Namespace is written before every object that lives in it, whatever the order in
 * which the constructs were created: at synth, each such object gets a dependency on it.
 */
export class MeshNamespace extends Construct {
  /** The label that enrolls a namespace's pods in the ambient data plane. */
  public static readonly DATAPLANE_MODE_LABEL = DATAPLANE_MODE_LABEL;
  /** The label that names the waypoint serving a namespace's (or a Service's) traffic. */
  public static readonly USE_WAYPOINT_LABEL = USE_WAYPOINT_LABEL;

  /** Name of the namespace. */
  public readonly name: string;
  /** Whether Istio injects sidecars into pods of this namespace. */
  public readonly sidecarInjection: boolean;
  /** How the pods of this namespace join the mesh. */
  public readonly dataplaneMode: DataplaneMode;
  /** The waypoint the namespace's Services use (ambient data plane), if any. */
  public readonly waypoint?: string;
  /** The Namespace object. */
  public readonly apiObject: ApiObject;

  public constructor(scope: Construct, id: string, props: MeshNamespaceProps) {
    super(scope, id);
    try {
      if (!isDns1123Label(props.name)) {
        throw new ConfigurationError('MeshNamespace.name', props.name, 'a namespace name must be a DNS-1123 label',
          'use at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit');
      }
      if (props.revision !== undefined && (props.revision === '' || !isLabelValue(props.revision))) {
        throw new ConfigurationError('MeshNamespace.revision', props.revision, 'an Istio revision must be a valid label value',
          'use the revision name istioctl or Helm installed, e.g. 1-30-3');
      }
      this.dataplaneMode = props.dataplaneMode ?? DataplaneMode.SIDECAR;
      if (!Object.values(DataplaneMode).includes(this.dataplaneMode)) {
        throw new ConfigurationError('MeshNamespace.dataplaneMode', this.dataplaneMode, 'not a data plane mode',
          `use one of ${Object.values(DataplaneMode).map((mode) => `"${mode}"`).join(', ')}`);
      }
      if (this.dataplaneMode === DataplaneMode.AMBIENT) assertAmbientNamespace(props);
      else if (props.waypoint !== undefined) {
        throw new ConfigurationError('MeshNamespace.waypoint', props.waypoint, 'a waypoint serves only namespaces of the ambient data plane',
          'set MeshNamespace.dataplaneMode to DataplaneMode.AMBIENT, or remove waypoint');
      }
    } catch (error) {
      throw locatedIn(error, 'MeshNamespace', this);
    }
    this.name = props.name;
    const ambient = this.dataplaneMode === DataplaneMode.AMBIENT;
    const injection = props.sidecarInjection ?? !ambient;
    this.sidecarInjection = injection;
    this.waypoint = props.waypoint;
    const injectionLabels: Record<string, string> = ambient ? ambientLabels(props.waypoint)
      : !injection ? { 'istio-injection': 'disabled' }
        : props.revision === undefined ? { 'istio-injection': 'enabled' } : { 'istio.io/rev': props.revision };
    this.apiObject = new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: props.name,
        labels: {
          ...injectionLabels,
          ...(props.podSecurityEnforce === undefined ? {} : { [POD_SECURITY_ENFORCE_LABEL]: props.podSecurityEnforce }),
        },
      },
    });

    registerNamespace(this.name, this.apiObject);
    MeshAnalysis.of(this);
  }
}

/** The labels of an ambient namespace: capture by the CNI agent, and the waypoint that serves its Services. */
function ambientLabels(waypoint: string | undefined): Record<string, string> {
  return {
    [MeshNamespace.DATAPLANE_MODE_LABEL]: DataplaneMode.AMBIENT,
    ...(waypoint === undefined ? {} : { [MeshNamespace.USE_WAYPOINT_LABEL]: waypoint }),
  };
}

/**
 * An ambient namespace carries no injection label: the sidecar injector does not look at the data-plane label, so an
 * injected pod gets a sidecar and the CNI agent then leaves it out of ambient (cni/pkg/util/podutil.go: "Ztunnel and
 * sidecar for a single pod is currently not supported").
 */
function assertAmbientNamespace(props: MeshNamespaceProps): void {
  if (props.sidecarInjection === true) {
    throw new ConfigurationError('MeshNamespace.sidecarInjection', true, 'a namespace of the ambient data plane gets no sidecars: an injected pod leaves ambient',
      'remove sidecarInjection, or set MeshNamespace.dataplaneMode to DataplaneMode.SIDECAR');
  }
  if (props.revision !== undefined) {
    throw new ConfigurationError('MeshNamespace.revision', props.revision, 'istio.io/rev makes the revision\'s injector add sidecars, and an injected pod leaves ambient',
      'remove revision for an ambient namespace');
  }
  if (props.waypoint !== undefined && !isDns1123Label(props.waypoint)) {
    throw new ConfigurationError('MeshNamespace.waypoint', props.waypoint, 'a waypoint is a Gateway, named by a DNS-1123 label', 'give e.g. "waypoint"');
  }
}
