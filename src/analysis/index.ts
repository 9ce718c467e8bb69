export * from './analysis-input';
export * from './manifest-set';
export * from './mesh-analysis';
export { isDns1123Label, isDns1123Subdomain, isLabelValue, qualifiedNameProblem } from './_kubernetes-names';
export {
  isPodSecurityLevel, POD_SECURITY_ENFORCE_LABEL, podSecurityViolations, type PodSecurityLevel, type PodSecurityViolation, type PodShape,
} from './pod-security';
