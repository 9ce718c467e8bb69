import { Construct, IConstruct, IValidation } from 'constructs';

/** A Secret that pods in a namespace will mount, registered by the construct that knows they will. */
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

/** Mesh config that an Istio install input carries, registered so Telemetry providers can be checked against it. */
export interface MeshConfigSource {
  /** The meshConfig block (IstioOperator spec.meshConfig / istiod Helm values meshConfig). */
  readonly meshConfig: Record<string, any>;
  /** Which install input carries it, named in errors. */
  readonly source: string;
}

const ANALYSIS_ID = 'cdk8s-istio-lightstep.MeshAnalysis';

/**
 * The synth-time analysis of everything an app synthesizes: one instance per construct tree, attached to
 * the root, run by cdk8s as a validation before any file is written. Constructs of this library register
 * what only they know (Secrets their pods will mount, mesh config sent to the Istio install) through
 * `MeshAnalysis.of(this)`; everything else is read from the synthesized objects themselves.
 */
export class MeshAnalysis extends Construct implements IValidation {
  /** The analysis of the tree `scope` belongs to, created on first use. */
  public static of(scope: IConstruct): MeshAnalysis {
    const root = scope.node.root;
    return (root.node.tryFindChild(ANALYSIS_ID) as MeshAnalysis | undefined) ?? new MeshAnalysis(root as Construct, ANALYSIS_ID);
  }

  private readonly secretRequirements: SecretRequirement[] = [];
  private readonly meshConfigs: MeshConfigSource[] = [];

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    scope.node.addValidation(this);
  }

  /** Declares that pods in `requirement.namespace` will mount a Secret that must exist there. */
  public requireSecret(requirement: SecretRequirement): void {
    this.secretRequirements.push(requirement);
  }

  /** Declares mesh config sent to the Istio install, against which Telemetry providers are checked. */
  public addMeshConfig(source: MeshConfigSource): void {
    this.meshConfigs.push(source);
  }

  /** Secrets registered so far, for the analysis and for tests. */
  public get requiredSecrets(): readonly SecretRequirement[] {
    return this.secretRequirements;
  }

  /** Mesh configs registered so far. */
  public get meshConfigSources(): readonly MeshConfigSource[] {
    return this.meshConfigs;
  }

  public validate(): string[] {
    return [];
  }
}
