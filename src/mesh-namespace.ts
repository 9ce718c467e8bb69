import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { registerNamespace } from './_namespace-order';
import { MeshAnalysis } from './analysis/mesh-analysis';
import { isDns1123Label, isLabelValue } from './analysis/_kubernetes-names';
import { POD_SECURITY_ENFORCE_LABEL } from './analysis/pod-security';
import { ConfigurationError, locatedIn } from './configuration-error';

/** Properties of a MeshNamespace. */
export interface MeshNamespaceProps {
  /** Name of the namespace (a DNS-1123 label). */
  readonly name: string;
  /**
   * Whether Istio injects sidecars into pods of this namespace.
   * @default true
   */
  readonly sidecarInjection?: boolean;
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
 * revisioned control plane, or `istio-injection: disabled` for namespaces such as the collector's, whose pods
 * must not be meshed. One place decides those labels for every construct of this library.
 *
 * Within its chart, the Namespace is written before every object that lives in it, whatever the order in
 * which the constructs were created: at synth, each such object gets a dependency on it.
 */
export class MeshNamespace extends Construct {
  /** Name of the namespace. */
  public readonly name: string;
  /** Whether Istio injects sidecars into pods of this namespace. */
  public readonly sidecarInjection: boolean;
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
    } catch (error) {
      throw locatedIn(error, 'MeshNamespace', this);
    }
    this.name = props.name;
    const injection = props.sidecarInjection ?? true;
    this.sidecarInjection = injection;
    const injectionLabels: Record<string, string> = !injection ? { 'istio-injection': 'disabled' }
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
