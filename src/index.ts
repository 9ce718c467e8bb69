// The public API, listed one by one: what is not here (validators, name checks, the analysis internals,
// ConfigurationError, the warning helpers) stays internal and free to change. jsii builds the other
// languages' bindings from exactly this list.
export { MeshNamespace, type MeshNamespaceProps } from './mesh-namespace';
export { DataplaneMode } from './dataplane-mode';
export { Waypoint, type WaypointProps } from './waypoint';
export { IstioRelease, TracingGeneration, HelmChartSource, GatewayApiChannel, AmbientStatus } from './istio-release';
export { MeshAnalysis, type SecretRequirement, type InjectedSecretRequirement, type MeshConfigSource } from './analysis';
export {
  Bookinfo, type BookinfoProps, BookinfoIngress, type BookinfoIngressProps, BookinfoIngressKind, BookinfoMicroservice, type BookinfoMicroserviceProps,
  BookinfoRouting, type BookinfoRoutingProps, BookinfoRoutingScenario, BookinfoService, GatewayApiCrds,
} from './bookinfo';
export {
  AccessToken, AccessTokenSource,
  CaCertificate, type CaCertificateOptions, type CertificateSummary,
  type IstioCniInstall, type IstioInstallInput, IstioInstallTool,
  LightstepCaCertSecret, type LightstepCaCertSecretProps, type LightstepCaCertMountOptions,
  LightstepTracing, type LightstepTracingProps,
  OtelCollector, type OtelCollectorOptions, type OtelCollectorProps,
  TracerStatsInclusion,
} from './tracing';
export {
  VerifyScript, type VerifyScriptSources, type VerifyScriptProps, type VerifyCaCertSecret, type VerifyIngressGateway,
  type VerifyBookinfo, type VerifyCollector, type VerifyTelemetry, type VerifyAmbient,
} from './verify';
export { LightstepInstallGuide, type LightstepInstallGuideProps, type InstallFile } from './install';
