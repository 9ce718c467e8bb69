import { AnalysisInput } from '../analysis-input';
import { describeObject } from '../manifest-set';

/** How to keep one of two objects the library's constructs tend to create twice, by kind. */
const FIX_BY_KIND: Record<string, string> = {
  Secret: 'create it once: LightstepCaCertSecret.of returns the CA Secret a namespace already has, and the tracing construct uses it',
  Namespace: 'create it once: give Bookinfo createNamespace: false when the namespace is created elsewhere',
};

/**
 * One object per kind, namespace and name: `kubectl apply` of two would silently keep whichever comes last,
 * e.g. a CA Secret with the other certificate. Each message names every construct that writes the object.
 */
export function checkDuplicateObjects({ manifests }: AnalysisInput): string[] {
  return manifests.duplicates.map((same) => {
    const kind: string = same[0].manifest.kind;
    const fix = FIX_BY_KIND[kind] ?? 'create it once, or give the objects different names';
    return `${describeObject(same[0].manifest)}: is written ${same.length} times, by ${same.map((object) => object.path).join(' and by ')}; kubectl would keep only the last. Fix: ${fix}`;
  });
}
