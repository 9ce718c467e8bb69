import { ConfigurationError } from './configuration-error';

/** Where the Helm charts of an Istio release come from, if Helm is a supported way to install it. */
export enum HelmChartSource {
  /** No Helm install is supported (1.6-1.7): istioctl only. */
  NONE = 'none',
  /** `install/kubernetes/helm/istio` (and `istio-init` for the CRDs) of the release archive, rendered with `helm template` (1.1-1.5). */
  ARCHIVE_ISTIO_CHART = 'archive-istio-chart',
  /** `manifests/charts/base`, `.../istio-control/istio-discovery`, `.../gateways/istio-ingress` of the release archive (1.8-1.11). */
  ARCHIVE_MANIFESTS = 'archive-manifests',
  /** `istio/base`, `istio/istiod`, `istio/gateway` of Istio's Helm repository (1.12+). */
  REPOSITORY = 'repository',
}

/** How an Istio release sends sidecar spans to LightStep. */
export enum TracingGeneration {
  /** The proxy has no tracer that can reach LightStep (Istio 1.0). */
  NONE = 'none',
  /** Envoy's native LightStep tracer, configured through the Helm values of the istio chart (1.1-1.5). */
  HELM_VALUES = 'helm-values',
  /** Envoy's native LightStep tracer, configured through mesh config in an IstioOperator (1.6-1.14). */
  MESH_CONFIG = 'mesh-config',
  /**
   * The proxy's Zipkin tracer to the `zipkin` receiver (port 9411) of an in-cluster OpenTelemetry Collector,
   * which exports OTLP to LightStep (1.15.0-1.16.0: the proxy has neither the LightStep nor the OpenTelemetry tracer).
   */
  ZIPKIN = 'zipkin',
  /** Envoy's OpenTelemetry tracer to an in-cluster OpenTelemetry Collector that exports to LightStep (1.16.1+). */
  OPENTELEMETRY = 'opentelemetry',
}

/** Whether an Istio release offers the ambient data plane (ztunnel, the Istio CNI node agent, waypoint proxies). */
export enum AmbientStatus {
  /**
   * No ambient data plane this library configures: before 1.22 waypoints were bound by service account
   * (`istio.io/for-service-account`), and the `istio.io/use-waypoint` binding does not exist.
   */
  NONE = 'none',
  /** Ambient mode in Beta (Istio 1.22-1.23). */
  BETA = 'beta',
  /** Ambient mode Stable: ztunnel, waypoints and their APIs (Istio 1.24 and later). */
  STABLE = 'stable',
}

/** A release channel of the Kubernetes Gateway API CRDs: the experimental one adds fields and kinds to the standard one. */
export enum GatewayApiChannel {
  /** `config/crd/standard` of kubernetes-sigs/gateway-api. */
  STANDARD = 'standard',
  /** `config/crd/experimental` of kubernetes-sigs/gateway-api. */
  EXPERIMENTAL = 'experimental',
}

/** A fact that changes at known Istio releases: each entry holds from its release until the next entry. */
type Timeline<T> = ReadonlyArray<readonly [since: string, value: T]>;

/**
 * The one table of what each Istio release needs. Constructs ask an `IstioRelease` instead of comparing
 * versions themselves; a new Istio release means a new row here, nowhere else.
 */
const RELEASE_TABLE = {
  tracingGeneration: [
    ['1.0.0', TracingGeneration.NONE],
    ['1.1.0', TracingGeneration.HELM_VALUES],
    ['1.6.0', TracingGeneration.MESH_CONFIG],
    // Envoy 1.24 dropped its LightStep tracer; istio-proxy 1.15.0 and 1.16.0 shipped without it and before
    // the OpenTelemetry tracer was enabled in 1.16.1, but with Zipkin.
    ['1.15.0', TracingGeneration.ZIPKIN],
    ['1.16.1', TracingGeneration.OPENTELEMETRY],
  ] as Timeline<TracingGeneration>,
  networkingApiVersion: [
    ['1.0.0', 'networking.istio.io/v1alpha3'],
    ['1.22.0', 'networking.istio.io/v1'],
  ] as Timeline<string>,
  telemetryApiVersion: [
    ['1.0.0', undefined],
    ['1.10.0', 'telemetry.istio.io/v1alpha1'],
    ['1.22.0', 'telemetry.istio.io/v1'],
  ] as Timeline<string | undefined>,
  gatewayApiVersion: [
    ['1.0.0', undefined],
    ['1.16.0', 'gateway.networking.k8s.io/v1beta1'],
    ['1.24.0', 'gateway.networking.k8s.io/v1'],
  ] as Timeline<string | undefined>,
  // The port the istio-ingressgateway pod listens on, which an Istio Gateway server must name.
  ingressGatewayPort: [
    ['1.0.0', 80],
    ['1.19.0', 8080],
  ] as Timeline<number>,
  // Whether ingress gateways trace with the LightStep tracer and so mount lightstep.cacert from istio-system
  // (1.1-1.3 gateways always used Zipkin).
  gatewaysMountCaCert: [
    ['1.0.0', false],
    ['1.4.0', true],
  ] as Timeline<boolean>,
  // Where the Helm charts of a release come from: the istio chart of the release archive (1.1-1.5), none
  // supported (1.6-1.7: istioctl only), the manifests/charts folders of the archive (1.8-1.11), Istio's Helm
  // repository (1.12+, the first release published there).
  helmCharts: [
    ['1.0.0', HelmChartSource.ARCHIVE_ISTIO_CHART],
    ['1.6.0', HelmChartSource.NONE],
    ['1.8.0', HelmChartSource.ARCHIVE_MANIFESTS],
    ['1.12.0', HelmChartSource.REPOSITORY],
  ] as Timeline<HelmChartSource>,
  // Whether istioctl's overlay paths accept index -1 (append) in a list: operator/pkg/tpath/tree.go indexes the
  // list with -1 directly, and crashes, until 1.7.1.
  overlayAppendsWithMinusOne: [
    ['1.0.0', false],
    ['1.7.1', true],
  ] as Timeline<boolean>,
  // Whether istioctl has a top-level `uninstall` command: experimental (`istioctl x uninstall`) from 1.7,
  // promoted in 1.15 (istio/istio#40362). Before, `istioctl manifest generate | kubectl delete` removes an install.
  hasIstioctlUninstall: [
    ['1.0.0', false],
    ['1.15.0', true],
  ] as Timeline<boolean>,
  // The sigs.k8s.io/gateway-api version of the release's go.mod (a pseudo-version counts as the tag it is based on).
  gatewayApiCrdVersion: [
    ['1.0.0', undefined],
    ['1.16.0', 'v0.5.0'],
    ['1.17.0', 'v0.6.1'],
    ['1.18.0', 'v0.6.2'],
    ['1.19.0', 'v0.8.0'],
    ['1.20.0', 'v1.0.0'],
    ['1.22.0', 'v1.1.0'],
    // 1.24.0-1.24.1 pin v1.2.0, 1.24.2 a commit after it, 1.24.3 and later v1.2.1.
    ['1.24.0', 'v1.2.0'],
    ['1.24.3', 'v1.2.1'],
    ['1.26.0', 'v1.3.0'],
    ['1.28.0', 'v1.4.1'],
    ['1.30.0', 'v1.5.1'],
  ] as Timeline<string | undefined>,
  // The channel of gatewayApiCrdVersion whose HTTPRoute has parentRefs[].port, which mesh (Service parent) routes use:
  // experimental only before gateway-api v1.1.0 (config/crd/standard/gateway.networking.k8s.io_httproutes.yaml).
  gatewayApiMeshRouteChannel: [
    ['1.0.0', undefined],
    ['1.16.0', GatewayApiChannel.EXPERIMENTAL],
    ['1.22.0', GatewayApiChannel.STANDARD],
  ] as Timeline<GatewayApiChannel | undefined>,
  // The istiod chart value that turns Istio CNI on for injection, so that the injection template writes istio-validation
  // instead of istio-init (files/injection-template.yaml): istio_cni.enabled, pilot.cni.enabled from 1.22 (istio_cni
  // deprecated). None before 1.10: 1.1-1.9 register the sidecar injector with admissionregistration.k8s.io/v1beta1,
  // which Kubernetes removed in 1.22, so they run on no cluster that enforces Pod Security.
  istioCniValue: [
    ['1.0.0', undefined],
    ['1.10.0', 'istio_cni.enabled'],
    ['1.22.0', 'pilot.cni.enabled'],
  ] as Timeline<string | undefined>,
  // The istiod chart value that gives the pod istiod deploys for a Gateway API Gateway a seccomp profile
  // (files/kube-gateway.yaml): gateways.securityContext (the whole pod securityContext) in the patches that backported
  // it, gateways.seccompProfile from 1.23.0; none in the other releases.
  gatewayPodSecurityValue: [
    ['1.0.0', undefined],
    ['1.20.8', 'gateways.securityContext'],
    ['1.21.0', undefined],
    ['1.21.4', 'gateways.securityContext'],
    ['1.22.0', undefined],
    ['1.22.2', 'gateways.securityContext'],
    ['1.23.0', 'gateways.seccompProfile'],
  ] as Timeline<string | undefined>,
  // Whether the istio chart of the release archive (1.1-1.5) holds the two gateway templates that Helm 3 cannot
  // render ("can't give argument to non-function $spec.sds" in charts/gateways/templates/role.yaml and
  // rolebindings.yaml); upstream nested the condition in 1.4.8 and 1.5.1 (istio/istio pull request 22295).
  gatewayTemplatesBreakHelm3: [
    ['1.0.0', true],
    ['1.4.8', false],
    ['1.5.0', true],
    ['1.5.1', false],
    ['1.6.0', false],
  ] as Timeline<boolean>,
  // The ambient data plane as this library installs it: the `ambient` profile, waypoints bound with `istio.io/use-waypoint`
  // and labelled `istio.io/waypoint-for` (pkg/config/constants/constants.go, first in 1.22.0; the charts label the
  // waypoint, ztunnel and CNI pods `istio.io/dataplane-mode: none` from 1.22.0). Beta in 1.22 and 1.23, Stable from 1.24
  // (istio.io: news/releases/1.22.x/announcing-1.22, 1.24.x/announcing-1.24).
  ambientStatus: [
    ['1.0.0', AmbientStatus.NONE],
    ['1.22.0', AmbientStatus.BETA],
    ['1.24.0', AmbientStatus.STABLE],
  ] as Timeline<AmbientStatus>,
  // Where the Istio CNI node agent's ambient switch AMBIENT_ENABLED is rendered: an env of its install-cni container
  // (istio-cni chart templates/daemonset.yaml, 1.22), a key of its ConfigMap istio-cni-config (templates/configmap-cni.yaml,
  // from 1.23.0).
  cniAmbientFlagInConfigMap: [
    ['1.0.0', false],
    ['1.23.0', true],
  ] as Timeline<boolean>,
  // Whether istiod writes the condition istio.io/WaypointBound into the status of each Service a waypoint serves
  // (pilot/pkg/model/service.go, from 1.24.0); before, only the labels say which waypoint serves a Service.
  waypointBoundCondition: [
    ['1.0.0', false],
    ['1.24.0', true],
  ] as Timeline<boolean>,
  // The istiod value that gives the waypoint pod (files/waypoint.yaml of the istiod chart) a seccomp profile: read there
  // from 1.23.0; 1.22 waypoint pods have no seccomp profile (and run as root in 1.22.0).
  waypointSeccompValue: [
    ['1.0.0', undefined],
    ['1.23.0', 'gateways.seccompProfile'],
  ] as Timeline<string | undefined>,
  // Whether a waypoint names its spans after the destination Service's hostname instead of after itself: 1.28.0 took
  // `svc.Hostname` as the span's service (pilot/pkg/networking/core/tracing.go, istio/istio#57024); 1.30.0 went back to
  // the proxy's own cluster name ("Span service name must identify the producer of the span").
  waypointSpansNamedAfterDestination: [
    ['1.0.0', false],
    ['1.28.0', true],
    ['1.30.0', false],
  ] as Timeline<boolean>,
  bookinfoImageRegistry: [
    ['1.0.0', 'docker.io/istio'],
    ['1.30.0', 'registry.istio.io/release'],
  ] as Timeline<string>,
} as const;

/** Why a release in a `NONE` row cannot send spans to LightStep. */
const NO_TRACER_REASON = 'its proxy has no tracer that can reach LightStep (the LightStep tracer arrived in Istio 1.1)';

const OLDEST_KNOWN_RELEASE = '1.0';
const FIRST_AMBIENT_RELEASE = '1.22';
const FIRST_STABLE_AMBIENT_RELEASE = '1.24';
const NEWEST_KNOWN_RELEASE = '1.30';
const NEWEST_VERIFIED_RELEASE = '1.30.3';

/**
 * The newest patch Istio has tagged on each minor line (plain X.Y.Z tags of istio/istio), which a release given
 * as a line alone ("1.9") resolves to. A new Istio patch means a new number here; the tests compare the table
 * with upstream's tags (test/fixtures/istio-upstream/tags).
 */
const NEWEST_KNOWN_PATCH: Readonly<Record<string, number>> = {
  '1.0': 9, '1.1': 17, '1.2': 10, '1.3': 8, '1.4': 10, '1.5': 10, '1.6': 14, '1.7': 8, '1.8': 6, '1.9': 9,
  '1.10': 6, '1.11': 8, '1.12': 9, '1.13': 9, '1.14': 6, '1.15': 7, '1.16': 7, '1.17': 8, '1.18': 7, '1.19': 10,
  '1.20': 8, '1.21': 6, '1.22': 8, '1.23': 6, '1.24': 6, '1.25': 5, '1.26': 8, '1.27': 9, '1.28': 10, '1.29': 6,
  '1.30': 3,
};

/** A version number as Istio tags it: no sign, no leading zero. */
const NUMBER = '(0|[1-9]\\d*)';
const RELEASE_TEXT = new RegExp(`^${NUMBER}\\.${NUMBER}(?:\\.${NUMBER})?$`);
/** Near misses, to show the exact text to write instead: a leading "v", blanks around, leading zeros. */
const LOOSE_RELEASE_TEXT = /^\s*[vV]?(\d+)\.(\d+)(?:\.(\d+))?\s*$/;

/**
 * An Istio release, with everything the library's release table says it needs.
 *
 * A release is given as MAJOR.MINOR.PATCH, as Istio tags it, or as a minor line alone, which stands for the newest
 * patch of that line the library knows and is printed as that patch.
 *
 * @example
 * import { IstioRelease } from 'cdk8s-istio-lightstep';
 *
 * const exact = IstioRelease.of('1.9.3');
 * const newestOfLine = IstioRelease.of('1.30');
 */
export class IstioRelease {
  /** The oldest release line this library knows the needs of (Istio 1.0, which it refuses with the reason). */
  public static readonly OLDEST_KNOWN = OLDEST_KNOWN_RELEASE;
  /** The newest release line this library knows the needs of. Newer lines are configured like it, with a warning. */
  public static readonly NEWEST_KNOWN = NEWEST_KNOWN_RELEASE;
  /** The newest release whose own files (values, protos, CRDs, charts, tracers) the tests check the output against. */
  public static readonly NEWEST_VERIFIED = NEWEST_VERIFIED_RELEASE;

  /** The newest release this library supports, the default target. */
  public static newest(): IstioRelease {
    return IstioRelease.of(NEWEST_KNOWN_RELEASE);
  }

  /**
   * The release with the given version number, such as "1.9.3", or a minor line such as "1.30".
   *
   * A minor line resolves to the newest patch of that line the library knows ("1.30" is 1.30.3), and a line
   * newer than the newest known keeps no patch. The text must be written as Istio tags its releases: digits
   * without a leading "v", blanks or leading zeros.
   *
   * @param text the version number, e.g. "1.9.3" or "1.30"
   */
  public static of(text: string): IstioRelease {
    const field = 'IstioRelease.of';
    if (typeof text !== 'string') {
      throw new ConfigurationError(field, text, 'an Istio release must be a string',
        `write it in quotes, e.g. release: "1.10" (an unquoted 1.10 is read as the number 1.1)`);
    }
    const match = RELEASE_TEXT.exec(text);
    if (!match) {
      const loose = LOOSE_RELEASE_TEXT.exec(text);
      if (loose) {
        const exact = loose.slice(1).filter((part) => part !== undefined).map(Number).join('.');
        const why = /^\s*[vV]/.test(text) ? 'Istio names its releases without a leading "v" (istio-1.9.3, chart version 1.9.3)'
          : /\s/.test(text) ? 'blanks around the version number' : 'a leading zero in a version number';
        throw new ConfigurationError(field, text, `not an Istio release as Istio writes it: ${why}`, `write "${exact}"`);
      }
      throw new ConfigurationError(field, text, 'not an Istio release',
        `give MAJOR.MINOR.PATCH or a minor line MAJOR.MINOR, e.g. "1.9.3" or "${NEWEST_KNOWN_RELEASE}"`);
    }
    const [major, minor] = [Number(match[1]), Number(match[2])];
    const patch = match[3] === undefined ? NEWEST_KNOWN_PATCH[`${major}.${minor}`] : Number(match[3]);
    const release = new IstioRelease(major, minor, patch);
    const oldest = IstioRelease.unchecked(`${OLDEST_KNOWN_RELEASE}.0`);
    if (release.major !== 1 || release.compareTo(oldest) < 0) {
      throw new ConfigurationError(field, text, `Istio ${release} is outside the releases this library knows (${OLDEST_KNOWN_RELEASE} and later 1.x)`,
        `target a release from 1.1 to ${NEWEST_KNOWN_RELEASE}, e.g. "${NEWEST_KNOWN_RELEASE}"`);
    }
    return release;
  }

  private static unchecked(text: string): IstioRelease {
    const [major, minor, patch] = text.split('.').map(Number);
    return new IstioRelease(major, minor, patch);
  }

  private constructor(
    /** Major version, 1 for every release so far. */
    public readonly major: number,
    /** Minor version, the release line. */
    public readonly minor: number,
    /**
     * Patch version, the newest known one for a release given as a minor line.
     *
     * It is undefined only for a line newer than the newest this library knows, which then stands for whatever
     * patch of that line is newest.
     */
    public readonly patch?: number,
  ) {}

  /** The release as Istio names it, "1.9.3", or "1.31" for a line newer than the newest known. */
  public toString(): string {
    return this.patch === undefined ? `${this.major}.${this.minor}` : `${this.major}.${this.minor}.${this.patch}`;
  }

  /** How this release sends spans to LightStep. */
  public get tracingGeneration(): TracingGeneration {
    return this.lookup(RELEASE_TABLE.tracingGeneration);
  }

  /**
   * Whether this release is newer than every release this library knows of.
   *
   * That is a line after the newest known line, configured like the newest known one, or a patch after the newest
   * known patch of its line, configured like that patch. Either may no longer fit.
   */
  public get isNewerThanKnown(): boolean {
    return this.newerLine || this.newerPatchOfKnownLine !== undefined;
  }

  /** The warning to show when this release is newer than every release this library knows of, or undefined. */
  public get newerThanKnownWarning(): string | undefined {
    const newestOfLine = this.newerPatchOfKnownLine;
    if (newestOfLine !== undefined) {
      return `Istio ${this} is newer than the newest ${this.major}.${this.minor} patch this library knows (${newestOfLine}): ` +
        `it is configured like ${newestOfLine}; check that the release exists (Istio's release tags) and its notes, or target ${newestOfLine}`;
    }
    if (!this.newerLine) return undefined;
    return `Istio ${this} is newer than the newest release this library was checked against (${NEWEST_VERIFIED_RELEASE}): ` +
      `it is configured like Istio ${NEWEST_KNOWN_RELEASE}; check the output against that release's notes, or target ${NEWEST_VERIFIED_RELEASE}`;
  }

  /** Whether this release's line is after the newest known line. */
  private get newerLine(): boolean {
    return this.minorLine.compareTo(IstioRelease.unchecked(`${NEWEST_KNOWN_RELEASE}.0`)) > 0;
  }

  /** The newest known patch of this release's line, as "1.9.9", when this release is a later patch of it. */
  private get newerPatchOfKnownLine(): string | undefined {
    const newest = NEWEST_KNOWN_PATCH[`${this.major}.${this.minor}`];
    return newest !== undefined && this.patch !== undefined && this.patch > newest ? `${this.major}.${this.minor}.${newest}` : undefined;
  }

  /**
   * Throws an error that says why this release cannot send spans to LightStep and what to target instead.
   *
   * It returns quietly for a release that can.
   * @param field the configuration key or prop that chose the release
   */
  public assertCanTraceToLightstep(field = 'istio.release'): void {
    if (this.tracingGeneration !== TracingGeneration.NONE) return;
    throw new ConfigurationError(field, this.toString(), `Istio ${this} cannot send spans to LightStep: ${NO_TRACER_REASON}`,
      `target Istio 1.1 or later, e.g. "${NEWEST_KNOWN_RELEASE}"`);
  }

  /** apiVersion of Gateway, VirtualService and DestinationRule: networking.istio.io/v1 from 1.22. */
  public get networkingApiVersion(): string {
    return this.lookup(RELEASE_TABLE.networkingApiVersion);
  }

  /** apiVersion of Telemetry: v1alpha1 from 1.10, v1 from 1.22; throws before 1.10. */
  public telemetryApiVersion(field = 'istio.release'): string {
    const version = this.lookup(RELEASE_TABLE.telemetryApiVersion);
    if (!version) {
      throw new ConfigurationError(field, this.toString(), `Istio ${this} has no Telemetry API (it arrived in 1.10)`, 'target Istio 1.10 or later');
    }
    return version;
  }

  /** apiVersion of Gateway API Gateway and HTTPRoute: v1beta1 from 1.16, v1 from 1.24; throws before 1.16. */
  public gatewayApiVersion(field = 'istio.release'): string {
    const version = this.lookup(RELEASE_TABLE.gatewayApiVersion);
    if (!version) {
      throw new ConfigurationError(field, this.toString(), `Istio ${this} does not implement the Kubernetes Gateway API (beta support arrived in 1.16)`,
        'use the Istio Gateway ingress (ingress: istio-gateway), or target Istio 1.16 or later');
    }
    return version;
  }

  /** The container port of the istio-ingressgateway pod that an Istio Gateway server binds: 8080 from 1.19, 80 before. */
  public get ingressGatewayPort(): number {
    return this.lookup(RELEASE_TABLE.ingressGatewayPort);
  }

  /** Whether ingress gateways mount lightstep.cacert from the Istio namespace (LightStep tracer generations, 1.4+). */
  public get gatewaysMountCaCert(): boolean {
    const generation = this.tracingGeneration;
    const nativeTracer = generation === TracingGeneration.HELM_VALUES || generation === TracingGeneration.MESH_CONFIG;
    return nativeTracer && this.lookup(RELEASE_TABLE.gatewaysMountCaCert);
  }

  /** Whether the istiod Helm chart exists (1.8+), so mesh config can also be given as istiod Helm values. */
  public get hasIstiodHelmChart(): boolean {
    const source = this.helmChartSource;
    return source === HelmChartSource.ARCHIVE_MANIFESTS || source === HelmChartSource.REPOSITORY;
  }

  /** Where this release's Helm charts come from. */
  public get helmChartSource(): HelmChartSource {
    return this.lookup(RELEASE_TABLE.helmCharts);
  }

  /** Whether an IstioOperator overlay may append to a list with index -1 (1.7.1+; 1.6.0-1.7.0 crash on it). */
  public get overlayAppendsWithMinusOne(): boolean {
    return this.lookup(RELEASE_TABLE.overlayAppendsWithMinusOne);
  }

  /** Whether `istioctl uninstall` is a command of this release's istioctl (1.15+; experimental before). */
  public get hasIstioctlUninstall(): boolean {
    return this.lookup(RELEASE_TABLE.hasIstioctlUninstall);
  }

  /** The Gateway API CRD release this Istio release builds against, e.g. "v1.2.1"; undefined before 1.16. */
  public get gatewayApiCrdVersion(): string | undefined {
    return this.lookup(RELEASE_TABLE.gatewayApiCrdVersion);
  }

  /**
   * The channel of the Gateway API CRDs (`gatewayApiCrdVersion`) that defines every field of a mesh route (an HTTPRoute
   * whose parent is a Service port): experimental on 1.16-1.21, standard from 1.22; undefined before 1.16.
   */
  public get gatewayApiMeshRouteChannel(): GatewayApiChannel | undefined {
    return this.lookup(RELEASE_TABLE.gatewayApiMeshRouteChannel);
  }

  /**
   * The istiod chart value (a dotted path) that turns Istio CNI on for sidecar injection: "istio_cni.enabled", or
   * "pilot.cni.enabled" from 1.22; undefined before 1.10, whose injector webhook no Pod Security enforcing cluster serves.
   */
  public get istioCniValue(): string | undefined {
    return this.lookup(RELEASE_TABLE.istioCniValue);
  }

  /**
   * The istiod chart value (a dotted path) through which the gateway pods istiod deploys for Gateway API Gateways get
   * a seccomp profile: "gateways.seccompProfile" from 1.23, "gateways.securityContext" on 1.20.8, 1.21.4+ and 1.22.2+;
   * undefined where there is none.
   */
  public get gatewayPodSecurityValue(): string | undefined {
    return this.lookup(RELEASE_TABLE.gatewayPodSecurityValue);
  }

  /**
   * Whether the release archive's istio chart (1.1.0-1.4.7, 1.5.0) has the two gateway templates that Helm 3 cannot
   * render, which upstream fixed in 1.4.8 and 1.5.1: the install notes then apply that fix before `helm template`.
   */
  public get gatewayTemplatesBreakHelm3(): boolean {
    return this.lookup(RELEASE_TABLE.gatewayTemplatesBreakHelm3);
  }

  /** Whether this release offers the ambient data plane: not before 1.22, Beta in 1.22-1.23, Stable from 1.24. */
  public get ambientStatus(): AmbientStatus {
    return this.lookup(RELEASE_TABLE.ambientStatus);
  }

  /**
   * Throws a ConfigurationError naming `field` when this release has no ambient data plane this library configures.
   *
   * It returns quietly for a release that has one.
   * @param field the configuration key or prop that chose the ambient data plane
   */
  public assertSupportsAmbient(field: string): void {
    if (this.ambientStatus !== AmbientStatus.NONE) return;
    throw new ConfigurationError(field, 'ambient',
      `Istio ${this} has no ambient data plane this library can set up: ambient begins with Istio ${FIRST_AMBIENT_RELEASE} (Beta in 1.22 and 1.23, ` +
      `Stable from ${FIRST_STABLE_AMBIENT_RELEASE}); earlier releases bind waypoints by service account, not with istio.io/use-waypoint`,
      `target Istio ${FIRST_STABLE_AMBIENT_RELEASE} or later (e.g. "${NEWEST_KNOWN_RELEASE}"), or set ${field} to sidecar`);
  }

  /** The warning to show when ambient mode is Beta at this release (1.22-1.23); undefined otherwise. */
  public get ambientBetaWarning(): string | undefined {
    if (this.ambientStatus !== AmbientStatus.BETA) return undefined;
    return `ambient mode is Beta in Istio ${this} and Stable from ${FIRST_STABLE_AMBIENT_RELEASE}: waypoints report no istio.io/WaypointBound status ` +
      `and the ingress gateway cannot send its traffic through a waypoint before ${FIRST_STABLE_AMBIENT_RELEASE}; target ${FIRST_STABLE_AMBIENT_RELEASE} or later for production`;
  }

  /**
   * Whether the Istio CNI node agent reads its ambient switch (AMBIENT_ENABLED) from its ConfigMap `istio-cni-config`
   * (1.23 and later) rather than from an env of its DaemonSet (1.22).
   */
  public get cniAmbientFlagInConfigMap(): boolean {
    return this.lookup(RELEASE_TABLE.cniAmbientFlagInConfigMap);
  }

  /** Whether istiod writes the Service condition `istio.io/WaypointBound` (1.24 and later). */
  public get hasWaypointBoundCondition(): boolean {
    return this.lookup(RELEASE_TABLE.waypointBoundCondition);
  }

  /**
   * The istiod chart value (a dotted path) that gives waypoint pods a seccomp profile, which Pod Security "restricted"
   * requires: "gateways.seccompProfile" from 1.23; undefined before.
   */
  public get waypointSeccompValue(): string | undefined {
    return this.lookup(RELEASE_TABLE.waypointSeccompValue);
  }

  /**
   * Whether a waypoint's spans carry the destination Service's hostname as their service name (1.28-1.29) instead of
   * the waypoint's own `<name>.<namespace>` (1.22-1.27, 1.30 and later).
   */
  public get waypointSpansNamedAfterDestination(): boolean {
    return this.lookup(RELEASE_TABLE.waypointSpansNamedAfterDestination);
  }

  /** Registry prefix of the Bookinfo images that Istio's sample of this release uses. */
  public get bookinfoImageRegistry(): string {
    return this.lookup(RELEASE_TABLE.bookinfoImageRegistry);
  }

  /**
   * -1, 0 or 1, as this release is older than, the same as or newer than the other.
   *
   * A line newer than the newest known, which has no patch, sorts after every patch of it.
   */
  public compareTo(other: IstioRelease): number {
    const patch = (release: IstioRelease) => release.patch ?? Number.MAX_SAFE_INTEGER;
    return Math.sign(this.major - other.major || this.minor - other.minor || patch(this) - patch(other));
  }

  private get minorLine(): IstioRelease {
    return new IstioRelease(this.major, this.minor, 0);
  }

  private lookup<T>(timeline: Timeline<T>): T {
    let value = timeline[0][1];
    for (const [since, entry] of timeline) {
      if (this.compareTo(IstioRelease.unchecked(since)) >= 0) value = entry;
    }
    return value;
  }
}

/**
 * A release prop as a caller gave it. TypeScript and the jsii languages can only pass an IstioRelease; plain
 * JavaScript can pass anything, and a string there gets an error that shows the call to write instead.
 */
export function releaseProp(value: unknown, field: string): IstioRelease {
  if (value instanceof IstioRelease) return value;
  const example = typeof value === 'string' ? value : IstioRelease.NEWEST_KNOWN;
  throw new ConfigurationError(field, value, 'expected an IstioRelease', `give IstioRelease.of('${example}')`);
}
