export * from './verify-script-props';
export * from './verify-script';
