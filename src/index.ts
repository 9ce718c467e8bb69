export * from './configuration-error';
export * from './istio-release';
export * from './warnings';
export * from './analysis';
