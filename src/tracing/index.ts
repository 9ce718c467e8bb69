export * from './access-token';
export * from './ca-certificate';
export * from './istio-cni-install';
export * from './istio-install-input';
export * from './lightstep-ca-cert-secret';
export * from './lightstep-tracing';
export * from './otel-collector';
export * from './tracer-stats-inclusion';
