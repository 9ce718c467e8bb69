export * from './install-file';
export * from './lightstep-install-guide';
