export * from './configuration-error';
export * from './istio-release';
export * from './warnings';
export * from './mesh-namespace';
export * from './analysis';
export * from './bookinfo';
export * from './tracing';
export * from './verify';
