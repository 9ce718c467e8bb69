import { BookinfoIngressKind } from '../bookinfo/bookinfo-ingress-kind';
import { DataplaneMode } from '../dataplane-mode';
import { AmbientStatus, GatewayApiChannel, HelmChartSource, IstioRelease, TracingGeneration } from '../istio-release';

/** A way to install Istio that the install notes offer. */
export enum InstallRoute {
  /** `istioctl install -f istio-operator.yaml` (1.6 and later). */
  ISTIOCTL = 'istioctl',
  /** Helm: `helm template` of the archive's istio chart (1.1-1.5), or `helm install` of base, istiod and gateway (1.8 and later). */
  HELM = 'helm',
}

/** Something a user does by hand besides installing Istio and applying the manifests. */
export enum HandStep {
  FIX_GATEWAY_TEMPLATES = 'fix-gateway-templates',
  ISTIO_INIT_CRDS = 'istio-init-crds',
  TOKEN_SECRET = 'token-secret',
  PATCH_GATEWAY_CA = 'patch-gateway-ca',
  RESTART_GATEWAY = 'restart-gateway',
  GATEWAY_API_CRDS = 'gateway-api-crds',
}

/** One hand step, the route it belongs to (undefined: every route), and the choice it depends on when that is not known. */
export interface HandStepEntry {
  readonly step: HandStep;
  readonly route?: InstallRoute;
  /** Shown where the facts leave the choice open, e.g. in the release matrix: "Gateway API ingress only". */
  readonly onlyWith?: string;
  /** What the user does, in a few words. */
  readonly text: string;
}

/** What decides the hand steps besides the release; an undefined fact means "either". */
export interface HandStepFacts {
  /** Whether the proxies get a CA certificate to mount (the native tracer generations). */
  readonly caCertificate?: boolean;
  /** The ingress Bookinfo gets, if Bookinfo is installed. */
  readonly ingress?: BookinfoIngressKind;
  /** The data plane the mesh runs: ambient mode needs the Gateway API CRDs for its waypoints. */
  readonly dataplaneMode?: DataplaneMode;
}

/** The routes a release offers, in the order the install notes show them. */
export function installRoutes(release: IstioRelease): InstallRoute[] {
  switch (release.helmChartSource) {
    case HelmChartSource.ARCHIVE_ISTIO_CHART: return [InstallRoute.HELM];
    case HelmChartSource.NONE: return [InstallRoute.ISTIOCTL];
    default: return [InstallRoute.ISTIOCTL, InstallRoute.HELM];
  }
}

/**
 * The one decision of what a user does by hand for a release: INSTALL.md runs exactly these steps, and the README's
 * release matrix lists them (with `onlyWith` where the configuration decides).
 */
export function handSteps(release: IstioRelease, facts: HandStepFacts = {}): HandStepEntry[] {
  const steps: HandStepEntry[] = [];
  const generation = release.tracingGeneration;
  const routes = installRoutes(release);
  const withCa = facts.caCertificate ?? true;
  const istioGatewayIngress = facts.ingress === undefined || facts.ingress === BookinfoIngressKind.ISTIO_GATEWAY;
  if (generation === TracingGeneration.HELM_VALUES) {
    if (release.gatewayTemplatesBreakHelm3) {
      steps.push({ step: HandStep.FIX_GATEWAY_TEMPLATES, text: 'fix two gateway templates for Helm 3 (as upstream did in 1.4.8)' });
    }
    steps.push({ step: HandStep.ISTIO_INIT_CRDS, text: 'apply the `istio-init` CRDs' });
  }
  if (generation === TracingGeneration.ZIPKIN || generation === TracingGeneration.OPENTELEMETRY) {
    steps.push({ step: HandStep.TOKEN_SECRET, text: 'create the token Secret of the collector' });
  }
  if (generation === TracingGeneration.MESH_CONFIG && withCa) {
    // istioctl mounts the CA with an overlay from 1.7.1; before, and in any Helm-installed gateway, a patch does.
    if (!release.overlayAppendsWithMinusOne) {
      steps.push({ step: HandStep.PATCH_GATEWAY_CA, route: InstallRoute.ISTIOCTL, text: '`kubectl patch` the gateway\'s CA volume' });
    }
    if (routes.includes(InstallRoute.HELM) && istioGatewayIngress) {
      steps.push({ step: HandStep.PATCH_GATEWAY_CA, route: InstallRoute.HELM, text: '`kubectl patch` the gateway\'s CA volume' });
    }
  }
  if (release.gatewaysMountCaCert && withCa) steps.push({ step: HandStep.RESTART_GATEWAY, text: 'restart the ingress gateway' });
  const crdVersion = release.gatewayApiCrdVersion;
  // Waypoints are Gateway API Gateways: ambient mode needs the CRDs whatever the ingress.
  const ambient = facts.dataplaneMode === DataplaneMode.AMBIENT;
  const ambientPossible = facts.dataplaneMode === undefined && release.ambientStatus !== AmbientStatus.NONE;
  if (crdVersion && (ambient || facts.ingress === undefined || facts.ingress === BookinfoIngressKind.GATEWAY_API)) {
    const undecided = !ambient && facts.ingress === undefined;
    // Mesh routes need the experimental channel where the standard one lacks parentRefs[].port (1.16-1.21).
    const experimental = release.gatewayApiMeshRouteChannel === GatewayApiChannel.EXPERIMENTAL ? '; experimental channel with a routing scenario' : '';
    steps.push({
      step: HandStep.GATEWAY_API_CRDS,
      text: `Gateway API CRDs ${crdVersion}`,
      onlyWith: undecided ? `${ambientPossible ? 'Gateway API ingress or ambient only' : 'Gateway API ingress only'}${experimental}` : undefined,
    });
  }
  return steps;
}

/** Whether `step` is among the hand steps of `entries` for `route`. */
export function hasHandStep(entries: readonly HandStepEntry[], step: HandStep, route?: InstallRoute): boolean {
  return entries.some((entry) => entry.step === step && (entry.route === undefined || entry.route === route));
}
