/**
 * Which Istio release a behaviour belongs to. Releases are compared as major.minor.patch; a feature that Istio
 * backported to patch releases of older lines is available from the first patch of each line that carries it.
 */
import { compareReleases } from '../istio-upstream';

/** Whether `release` is `minimum` or later ("1.9" stands for 1.9.0). */
export const atLeast = (release: string, minimum: string): boolean => compareReleases(release, minimum) >= 0;

/**
 * Whether `release` has a feature whose first release in each line is listed, oldest line first (e.g. omitNil:
 * 1.28.6, 1.29.1, 1.30.0): lines newer than the last listed have it, lines older than the first do not.
 */
export function availableFrom(release: string, firstPerLine: readonly string[]): boolean {
  const line = (version: string) => version.split('.').slice(0, 2).join('.');
  const same = firstPerLine.find((first) => line(first) === line(release));
  if (same) return atLeast(release, same);
  const last = firstPerLine[firstPerLine.length - 1];
  return compareReleases(line(release), line(last)) > 0;
}
