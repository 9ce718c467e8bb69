import { Construct, IConstruct } from 'constructs';
import { orderNamespacesFirst } from '../_namespace-order';
import { warningsOf } from '../warnings';
import { releasesOf } from './_app-release';
import { AnalysisInput, Check, InjectedSecretRequirement, MeshConfigSource, SecretRequirement } from './analysis-input';
import { checkAmbientNamespaces } from './checks/ambient';
import { checkDuplicateObjects } from './checks/duplicates';
import { checkGatewayApiRoutes } from './checks/gateway-api';
import { checkIstioRouting } from './checks/istio-networking';
import { checkNamesLabelsAndPorts } from './checks/names';
import { checkNamespaceOrder } from './checks/namespace-order';
import { checkGatewayPodsForPodSecurity, checkIstioCniForPodSecurity, checkPodSecurity } from './checks/pod-security';
import { checkIstioRelease } from './checks/releases';
import { checkMountedSecrets } from './checks/secrets';
import { checkTelemetryProviders } from './checks/telemetry';
import { warnUncreatedNamespaces } from './checks/uncreated-namespaces';
import { checkSelectorsAndPorts } from './checks/workloads';
import { ManifestSet } from './manifest-set';

/** Construct id of the analysis under the root of the tree; cdk8s prefixes its validation errors with it. */
const ANALYSIS_ID = 'cdk8s-istio-lightstep.MeshAnalysis';

/** Every relation check, in the order their messages are reported. */
const CHECKS: readonly Check[] = [
  checkDuplicateObjects,
  checkNamesLabelsAndPorts,
  checkIstioRelease,
  checkNamespaceOrder,
  checkSelectorsAndPorts,
  checkPodSecurity,
  checkIstioCniForPodSecurity,
  checkGatewayPodsForPodSecurity,
  checkIstioRouting,
  checkGatewayApiRoutes,
  checkTelemetryProviders,
  checkMountedSecrets,
  checkAmbientNamespaces,
];

/** Checks whose findings do not stop the synth: they come with the constructs' warnings. */
const WARNING_CHECKS: readonly Check[] = [
  warnUncreatedNamespaces,
];

/** What one analysis found. */
interface Findings {
  readonly problems: string[];
  readonly warnings: string[];
}

/** Findings of one analysis, and the shape of the tree they were computed on. */
interface CachedFindings extends Findings {
  readonly fingerprint: string;
}

/**
 * The synth-time analysis of everything an app synthesizes: one instance per construct tree, a child of its
 * root, checked by cdk8s through this construct's own validation before any file is written, so a broken
 * relation fails the synth instead of a rollout. Constructs of this library attach it through
 * the static `of` method and register what only they know (Secrets their pods will mount, mesh config sent
 * to the Istio install); everything else is read from the synthesized objects. Users who compose the
 * constructs in their own charts get the same checks; the App itself is left as it is.
 */
export class MeshAnalysis extends Construct {
  /** The analysis of the tree `scope` belongs to, created on first use. */
  public static of(scope: IConstruct): MeshAnalysis {
    const root = scope.node.root;
    return (root.node.tryFindChild(ANALYSIS_ID) as MeshAnalysis | undefined) ?? new MeshAnalysis(root as Construct, ANALYSIS_ID);
  }

  private readonly secretRequirements: SecretRequirement[] = [];
  private readonly injectedSecretRequirements: InjectedSecretRequirement[] = [];
  private readonly meshConfigs: MeshConfigSource[] = [];
  private readonly withoutIstioCni: string[] = [];
  private cached?: CachedFindings;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.node.addValidation({ validate: () => this.findingsOncePerSynthesis().problems });
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

  /**
   * Records a warning that holds only while this tree carries no Istio install input at all: when one does, the
   * analysis itself reports a namespace whose pods need Istio CNI that the install leaves off, and says nothing
   * once the install turns it on.
   */
  public warnUnlessIstioCni(message: string): void {
    this.withoutIstioCni.push(message);
  }

  /** Secrets registered so far. */
  public get requiredSecrets(): SecretRequirement[] {
    return [...this.secretRequirements];
  }

  /** Mesh configs registered so far. */
  public get meshConfigSources(): MeshConfigSource[] {
    return [...this.meshConfigs];
  }

  /**
   * Every synth-time warning the constructs of this tree recorded (e.g. an expiring CA certificate), in tree
   * order, then those of the analysis (e.g. objects in a namespace that nothing in the app creates).
   *
   * The analysis never prints: an app shows these to its user, e.g. on stderr, before or after synthesizing.
   */
  public warnings(): string[] {
    return [
      ...warningsOf(this.node.root),
      ...this.findingsOncePerSynthesis().warnings,
      ...(this.meshConfigs.length === 0 ? [...new Set(this.withoutIstioCni)] : []),
    ];
  }

  /**
   * Runs every check over the tree as it is now and returns the problems, without printing anything. First
   * makes each object of a namespace that a MeshNamespace creates in the same chart depend on it, as a synth
   * does (validation is the last step before cdk8s orders each chart's objects, and the checks read that order).
   */
  public analyze(): string[] {
    return this.findings().problems;
  }

  private findings(): Findings {
    orderNamespacesFirst(this.node.root);
    const input: AnalysisInput = {
      manifests: ManifestSet.fromTree(this.node.root),
      secretRequirements: this.secretRequirements,
      injectedSecretRequirements: this.injectedSecretRequirements,
      meshConfigs: this.meshConfigs,
      releases: releasesOf(this),
    };
    return { problems: CHECKS.flatMap((check) => check(input)), warnings: WARNING_CHECKS.flatMap((check) => check(input)) };
  }

  /**
   * cdk8s validates the whole tree once at the start of `synth()`/`synthYaml()`, then again inside every
   * chart's `toJson()`: 1 + (number of charts) validations of the same tree in one synchronous call. The
   * findings are kept while the tree keeps its shape (same constructs, same dependencies, same registrations)
   * and only until the current synchronous job ends, so a synth analyzes once (`synth()` at most twice when
   * cdk8s adds dependencies between its first validation and the others). The limit of this cheap key: two
   * synths in one synchronous job, between which only the content of existing objects changed (a container
   * added to a Deployment, no construct added), share the first one's findings; `analyze()` always runs afresh.
   */
  private findingsOncePerSynthesis(): Findings {
    if (this.cached?.fingerprint !== this.fingerprint()) {
      const findings = this.findings();
      // Taken after the analysis, which adds the dependencies that write each MeshNamespace first.
      this.cached = { fingerprint: this.fingerprint(), ...findings };
      const cached = this.cached;
      queueMicrotask(() => { if (this.cached === cached) this.cached = undefined; });
    }
    return { problems: [...this.cached.problems], warnings: [...this.cached.warnings] };
  }

  /** A cheap summary of what the checks read besides object content: constructs, dependencies, registrations. */
  private fingerprint(): string {
    let constructs = 0;
    let dependencies = 0;
    for (const construct of this.node.root.node.findAll()) {
      constructs++;
      dependencies += construct.node.dependencies.length;
    }
    return [constructs, dependencies, this.secretRequirements.length, this.injectedSecretRequirements.length, this.meshConfigs.length, releasesOf(this).length].join(':');
  }
}
