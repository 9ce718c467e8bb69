import { App } from 'cdk8s';
import { Construct, IConstruct, IValidation } from 'constructs';
import { warningsOf } from '../warnings';
import { AnalysisInput, Check, InjectedSecretRequirement, MeshConfigSource, SecretRequirement } from './analysis-input';
import { checkGatewayApiRoutes } from './checks/gateway-api';
import { checkIstioRouting } from './checks/istio-networking';
import { checkNamesLabelsAndPorts } from './checks/names';
import { checkNamespaceOrder } from './checks/namespace-order';
import { checkMountedSecrets } from './checks/secrets';
import { checkTelemetryProviders } from './checks/telemetry';
import { checkSelectorsAndPorts } from './checks/workloads';
import { ManifestSet } from './manifest-set';

const ANALYSIS_ID = 'cdk8s-istio-lightstep.MeshAnalysis';

/** Every relation check, in the order their messages are reported. */
const CHECKS: readonly Check[] = [
  checkNamesLabelsAndPorts,
  checkNamespaceOrder,
  checkSelectorsAndPorts,
  checkIstioRouting,
  checkGatewayApiRoutes,
  checkTelemetryProviders,
  checkMountedSecrets,
];

/**
 * The synth-time analysis of everything an app synthesizes: one instance per construct tree, attached to
 * the root, run by cdk8s as a validation before any file is written, so a broken relation fails the synth
 * instead of a rollout. Constructs of this library register what only they know (Secrets their pods will
 * mount, mesh config sent to the Istio install) through `MeshAnalysis.of(this)`; everything else is read
 * from the synthesized objects. Users who compose the constructs in their own charts get the same checks.
 */
export class MeshAnalysis extends Construct implements IValidation {
  /** The analysis of the tree `scope` belongs to, created on first use. */
  public static of(scope: IConstruct): MeshAnalysis {
    const root = scope.node.root;
    return (root.node.tryFindChild(ANALYSIS_ID) as MeshAnalysis | undefined) ?? new MeshAnalysis(root as Construct, ANALYSIS_ID);
  }

  private readonly secretRequirements: SecretRequirement[] = [];
  private readonly injectedSecretRequirements: InjectedSecretRequirement[] = [];
  private readonly meshConfigs: MeshConfigSource[] = [];
  private warningsPrinted = false;
  /** How many synth calls of the app are running; the tree cannot change while one is. */
  private synthesisDepth = 0;
  /** Findings of the first validation of the running synth call. */
  private findingsOfThisSynthesis?: readonly string[];

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    scope.node.addValidation(this);
    if (scope instanceof App) this.analyzeOncePerSynthesis(scope);
  }

  /**
   * cdk8s validates the whole app once, then again inside every chart's `toJson()`: 1 + (number of charts)
   * runs of the same analysis over the same tree within one `synth()` or `synthYaml()`. While such a call
   * runs, no user code can change the tree, so the first result stands for the rest; it is dropped when
   * the call returns, and a later synth analyzes afresh.
   */
  private analyzeOncePerSynthesis(app: App): void {
    const wrap = <A extends unknown[], R>(synthesize: (...args: A) => R) => (...args: A): R => {
      this.synthesisDepth++;
      try {
        return synthesize.apply(app, args);
      } finally {
        if (--this.synthesisDepth === 0) this.findingsOfThisSynthesis = undefined;
      }
    };
    app.synth = wrap(app.synth);
    app.synthYaml = wrap(app.synthYaml);
  }

  /** Declares that pods in `requirement.namespace` will mount a Secret that must exist there. */
  public requireSecret(requirement: SecretRequirement): void {
    this.secretRequirements.push(requirement);
  }

  /** Declares that the sidecar injector mounts a Secret into every pod of every injected namespace. */
  public requireSecretInInjectedNamespaces(requirement: InjectedSecretRequirement): void {
    this.injectedSecretRequirements.push(requirement);
  }

  /** Declares mesh config sent to the Istio install, against which Telemetry providers are checked. */
  public addMeshConfig(source: MeshConfigSource): void {
    this.meshConfigs.push(source);
  }

  /** Secrets registered so far. */
  public get requiredSecrets(): readonly SecretRequirement[] {
    return this.secretRequirements;
  }

  /** Mesh configs registered so far. */
  public get meshConfigSources(): readonly MeshConfigSource[] {
    return this.meshConfigs;
  }

  /** Runs every check over the tree as it is now and returns the problems, without printing anything. */
  public analyze(): string[] {
    const input: AnalysisInput = {
      manifests: ManifestSet.fromTree(this.node.root),
      secretRequirements: this.secretRequirements,
      injectedSecretRequirements: this.injectedSecretRequirements,
      meshConfigs: this.meshConfigs,
    };
    return CHECKS.flatMap((check) => check(input));
  }

  /** Called by cdk8s before it writes anything; also prints the synth-time warnings, once. */
  public validate(): string[] {
    if (!this.warningsPrinted) {
      this.warningsPrinted = true;
      for (const warning of warningsOf(this.node.root)) console.warn(`Warning: ${warning}`);
    }
    if (this.synthesisDepth === 0) return this.analyze();
    this.findingsOfThisSynthesis ??= this.analyze();
    return [...this.findingsOfThisSynthesis];
  }
}
