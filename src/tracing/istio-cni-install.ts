/**
 * The Istio CNI node agent that an install of Istio brings when pods must run without istio-init (Pod Security
 * "baseline" and "restricted" refuse its NET_ADMIN, NET_RAW and root user): where it runs, and how to install it with
 * Helm beside istiod. The IstioOperator installs it itself (components.cni); both install inputs set `istiodValue`.
 */
export interface IstioCniInstall {
  /**
   * Namespace of the node agent: kube-system on every release, as each chart's README installs it, because its
   * DaemonSet runs with priorityClassName system-node-critical, which Kubernetes admits there without a ResourceQuota.
   */
  readonly namespace: string;
  /** The Helm chart: "istio/cni" of Istio's Helm repository (1.12+), or the release archive's "$ISTIO_DIR/manifests/charts/istio-cni" (1.10-1.11). */
  readonly helmChart: string;
  /** The Helm release name, "istio-cni". Its values are the chart's defaults: it needs none of its own. */
  readonly helmReleaseName: string;
  /** The node agent's DaemonSet, "istio-cni-node", to wait for before pods are created. */
  readonly daemonSetName: string;
  /** The istiod chart value, a dotted path, that makes the injector rely on the node agent, e.g. "pilot.cni.enabled". */
  readonly istiodValue: string;
}
