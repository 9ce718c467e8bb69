export * from './tracer-stats-inclusion';
export * from './verify-script-props';
export * from './verify-script';
