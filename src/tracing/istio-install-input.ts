/** The command an Istio install input is meant for. */
export enum IstioInstallTool {
  /** `$ISTIO_DIR/bin/istioctl install -f FILE` (IstioOperator, 1.6 and later). */
  ISTIOCTL = 'istioctl',
  /** `helm template istio $ISTIO_DIR/install/kubernetes/helm/istio -f FILE` from the release archive (Istio 1.1-1.5, Helm 3). */
  HELM_ISTIO_CHART = 'helm-istio-chart',
  /** `helm install istiod CHART -f FILE`: the archive's manifests/charts/istio-control/istio-discovery (1.8-1.11), istio/istiod (1.12 and later). */
  HELM_ISTIOD_CHART = 'helm-istiod-chart',
  /**
   * `helm install GATEWAY CHART -f FILE`: the archive's manifests/charts/gateways/istio-ingress (1.8-1.11), istio/gateway
   * (1.12 and later), with the control plane's revision and namespace.
   */
  HELM_GATEWAY_CHART = 'helm-gateway-chart',
  /**
   * `helm install istio-base CHART -f FILE`: the archive's manifests/charts/base (1.8-1.11), istio/base (1.12 and
   * later), with the control plane's namespace and revision.
   */
  HELM_BASE_CHART = 'helm-base-chart',
  /** `helm install istio-cni istio/cni -f FILE`: the Istio CNI node agent of the ambient data plane (1.22 and later). */
  HELM_CNI_CHART = 'helm-cni-chart',
  /** `helm install ztunnel istio/ztunnel -f FILE`: the per-node proxy of the ambient data plane (1.22 and later). */
  HELM_ZTUNNEL_CHART = 'helm-ztunnel-chart',
}

/**
 * A file the Istio installation reads: an IstioOperator or Helm values. It is plain data, not an object to
 * apply, so it is not a cdk8s ApiObject and must stay out of the manifests folder (e.g. write it to dist/istio/).
 */
export interface IstioInstallInput {
  /** File name to write it as, e.g. "istio-operator.yaml". */
  readonly fileName: string;
  /** What the file is and how to use it, one sentence. */
  readonly description: string;
  /** The command that reads it. */
  readonly tool: IstioInstallTool;
  /** Flags the install command must add when it reads this file, e.g. the access token `--set` taken from the shell; each element is shell-ready. */
  readonly installArgs: string[];
  /** The YAML document, with a fixed key order so that rendering it is byte-stable. */
  readonly content: Record<string, any>;
}
