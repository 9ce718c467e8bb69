import { AnalysisInput } from '../analysis-input';
import { describeObject } from '../manifest-set';

/**
 * One object per kind, namespace and name: `kubectl apply` of two would silently keep whichever comes last,
 * e.g. a CA Secret with the other certificate. Each message names every construct that writes the object.
 */
export function checkDuplicateObjects({ manifests }: AnalysisInput): string[] {
  return manifests.duplicates.map((same) => {
    const [first, ...others] = same;
    return `${describeObject(first.manifest)}: is written ${same.length} times, by ${same.map((object) => object.path).join(' and by ')}; kubectl would keep only the last. Fix: create it once and pass that construct to the others${
      others.every((other) => other.manifest.kind === 'Secret') ? ' (for the CA Secret, LightstepCaCertSecret.of returns the one a namespace already has)' : ''}`;
  });
}
