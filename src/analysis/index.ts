export * from './analysis-input';
export * from './manifest-set';
export * from './mesh-analysis';
export { isDns1123Label, isDns1123Subdomain, isLabelValue, qualifiedNameProblem } from './_kubernetes-names';
