import { ReleaseOfConstruct } from './_app-release';
import { ManifestSet } from './manifest-set';

/** A Secret that pods in one namespace will mount. */
export interface SecretRequirement {
  /** Namespace whose pods mount the Secret. */
  readonly namespace: string;
  /** Name of the Secret. */
  readonly name: string;
  /** Key the mount expects, e.g. the file name of the cacertPath. */
  readonly key: string;
  /** Who mounts it and why, named in the error when the Secret is missing. */
  readonly reason: string;
}

/** A Secret that every sidecar-injected namespace needs, because the injector mounts it into every pod. */
export interface InjectedSecretRequirement {
  /** Name of the Secret. */
  readonly name: string;
  /** Key the mount expects. */
  readonly key: string;
  /** Who mounts it and why. */
  readonly reason: string;
}

/** Mesh config that an Istio install input carries. */
export interface MeshConfigSource {
  /** The meshConfig block (IstioOperator spec.meshConfig / istiod Helm values meshConfig). */
  readonly meshConfig: Record<string, any>;
  /** Which install input carries it, named in errors. */
  readonly source: string;
  /**
   * Whether that install input turns Istio CNI on, so that injected pods get no istio-init.
   * @default false
   */
  readonly istioCni?: boolean;
  /**
   * Whether that install input gives the pods istiod deploys for Gateway API Gateways a seccomp profile, as Pod
   * Security "restricted" requires of them.
   * @default false
   */
  readonly restrictedGatewayPods?: boolean;
}

/** What the relation checks read: the synthesized objects and what constructs registered beside them. */
export interface AnalysisInput {
  readonly manifests: ManifestSet;
  readonly secretRequirements: readonly SecretRequirement[];
  readonly injectedSecretRequirements: readonly InjectedSecretRequirement[];
  readonly meshConfigs: readonly MeshConfigSource[];
  /** The Istio release each construct of the library writes its objects for, in creation order. */
  readonly releases: readonly ReleaseOfConstruct[];
}

/** One family of relation checks: returns one message per problem, each naming the object and the fix. */
export type Check = (input: AnalysisInput) => string[];
