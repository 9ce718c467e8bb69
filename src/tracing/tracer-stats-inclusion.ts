import { IstioRelease, TracingGeneration } from '../istio-release';

/**
 * Istio trims Envoy's statistics to a short inclusion list, so the LightStep tracer's counters
 * (`tracing.lightstep.*`) do not exist in a sidecar unless the release is told to keep them. This says how, per
 * release: the pod annotation `sidecar.istio.io/statsInclusionPrefixes` (Istio 1.1-1.7) or the mesh-wide
 * `defaultConfig.proxyStatsMatcher` (ProxyConfig field 32, Istio 1.8-1.14). Releases without the LightStep tracer
 * need neither.
 */
export class TracerStatsInclusion {
  /** Prefix of the counters Envoy's LightStep tracer keeps: its source declares them under `tracing.lightstep.`. */
  public static readonly STAT_PREFIX = 'tracing.lightstep';
  /** The pod annotation Istio 1.1-1.14 read the sidecar's stats inclusion prefixes from. */
  public static readonly ANNOTATION = 'sidecar.istio.io/statsInclusionPrefixes';
  /**
   * Istio 1.1's default inclusion prefixes.
   *
   * In 1.1 the annotation replaces them instead of adding to them, so the annotation must repeat them or the proxy
   * loses the statistics its own health checks read.
   */
  public static readonly ISTIO_1_1_DEFAULT_PREFIXES = 'cluster_manager,listener_manager,http_mixer_filter,tcp_mixer_filter,server,cluster.xds-grpc';

  /**
   * The mesh config fragment that keeps the tracer's counters, to merge into the install's meshConfig. Undefined
   * where the release takes the pod annotation instead or has no LightStep tracer.
   * @param release the release, e.g. 1.9.3
   */
  public static meshConfigFor(release: IstioRelease): { [key: string]: any } | undefined {
    if (release.tracingGeneration !== TracingGeneration.MESH_CONFIG || release.minor < 8) return undefined;
    return { defaultConfig: { proxyStatsMatcher: { inclusionPrefixes: [TracerStatsInclusion.STAT_PREFIX] } } };
  }

  /**
   * The pod annotations that keep the tracer's counters, for the pod template of the workload the check reads
   * (productpage). Empty where the mesh config does it or the release has no LightStep tracer.
   * @param release the release, e.g. 1.4.10
   */
  public static podAnnotationsFor(release: IstioRelease): { [key: string]: string } {
    if (!TracerStatsInclusion.nativeTracer(release) || TracerStatsInclusion.meshConfigFor(release)) return {};
    const prefixes = release.minor === 1
      ? `${TracerStatsInclusion.ISTIO_1_1_DEFAULT_PREFIXES},${TracerStatsInclusion.STAT_PREFIX}`
      : TracerStatsInclusion.STAT_PREFIX;
    return { [TracerStatsInclusion.ANNOTATION]: prefixes };
  }

  private static nativeTracer(release: IstioRelease): boolean {
    return release.tracingGeneration === TracingGeneration.HELM_VALUES || release.tracingGeneration === TracingGeneration.MESH_CONFIG;
  }

  private constructor() {}
}
