/**
 * Kubernetes' strategic merge patch of a Pod (k8s.io/apimachinery/pkg/util/strategicpatch/patch.go,
 * StrategicMergePatch with the core/v1 Pod's patchStrategy/patchMergeKey tags), which Istio's injector (1.9+) uses to
 * lay each rendered template over the pod (applyOverlay / applyOverlayYAML in pkg/kube/inject).
 *
 * - Maps merge key by key; a null in the patch deletes the key; `$patch: replace` replaces the map,
 *   `$patch: delete` removes it; `$retainKeys` keeps only the listed keys.
 * - Lists with a merge key (containers, volumes, env by name, ports by containerPort, volumeMounts by mountPath...)
 *   merge element by element; `$patch: delete` elements remove, a `$patch: replace` element replaces the list.
 *   The result is ordered as mergeSlice's normalizeElementOrder does: the patch's elements in patch order, the
 *   original-only elements in original order, interleaved by their original positions where both are known.
 * - Other lists are replaced; lists of scalars with the merge strategy (finalizers) are merged without duplicates.
 */
import { GoTemplateError } from './go-value';

type Json = Record<string, unknown>;

interface ListStrategy {
  readonly mergeKey?: string;
  /** A list of scalars merged (patchStrategy:"merge" without a key). */
  readonly scalarMerge?: boolean;
}

/** Merge strategies of the Pod's lists and where their elements' own lists are, by JSON path (`*` = any element). */
const LIST_STRATEGIES: Record<string, ListStrategy> = {
  'metadata.finalizers': { scalarMerge: true },
  'metadata.ownerReferences': { mergeKey: 'uid' },
  'spec.volumes': { mergeKey: 'name' },
  'spec.initContainers': { mergeKey: 'name' },
  'spec.containers': { mergeKey: 'name' },
  'spec.ephemeralContainers': { mergeKey: 'name' },
  'spec.imagePullSecrets': { mergeKey: 'name' },
  'spec.hostAliases': { mergeKey: 'ip' },
  'spec.topologySpreadConstraints': { mergeKey: 'topologyKey' },
  'spec.resourceClaims': { mergeKey: 'name' },
  'spec.schedulingGates': { mergeKey: 'name' },
  'spec.*Containers.*.ports': { mergeKey: 'containerPort' },
  'spec.*Containers.*.env': { mergeKey: 'name' },
  'spec.*Containers.*.volumeMounts': { mergeKey: 'mountPath' },
  'spec.*Containers.*.volumeDevices': { mergeKey: 'devicePath' },
};

function strategyFor(path: string[]): ListStrategy | undefined {
  const generic = path.map((part, i) => (i === 1 && /^(initContainers|containers|ephemeralContainers)$/.test(part) && path.length > 2 ? '*Containers' : /^\d+$/.test(part) ? '*' : part)).join('.');
  return LIST_STRATEGIES[path.join('.')] ?? LIST_STRATEGIES[generic];
}

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** StrategicMergePatch(original, patch, corev1.Pod{}) on JSON data. Neither input is changed. */
export function strategicMergePod(original: Json, patch: Json): Json {
  return mergeMap(original, patch, []);
}

function mergeMap(original: Json, patch: Json, path: string[]): Json {
  const directive = patch.$patch;
  if (directive === 'replace') {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest) as Json;
  }
  if (directive === 'delete') return {};
  if (directive !== undefined) throw new GoTemplateError(`Unknown patch type: ${String(directive)} in map at ${path.join('.') || '<root>'}`);
  let result: Json = { ...original };
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    result = Object.fromEntries(Object.entries(result).filter(([key]) => keep.has(key)));
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/') || key.startsWith('$deleteFromPrimitiveList/')) {
      throw new GoTemplateError(`the strategic merge directive ${key} is not supported by this evaluator`);
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const existing = result[key];
    if (isObject(value) && isObject(existing)) {
      result[key] = mergeMap(existing, value, [...path, key]);
    } else if (Array.isArray(value) && Array.isArray(existing)) {
      result[key] = mergeList(existing, value, [...path, key]);
    } else {
      result[key] = stripDirectives(value);
    }
  }
  return result;
}

function mergeList(original: unknown[], patch: unknown[], path: string[]): unknown[] {
  const strategy = strategyFor(path);
  if (!strategy) return stripDirectives(patch) as unknown[];
  if (strategy.scalarMerge) return [...new Set([...original, ...patch])];
  const key = strategy.mergeKey!;
  // Special elements: a `$patch: replace` element replaces the whole list, `$patch: delete` elements remove.
  if (patch.some((item) => isObject(item) && item.$patch === 'replace')) {
    return stripDirectives(patch.filter((item) => !(isObject(item) && item.$patch === 'replace'))) as unknown[];
  }
  const deletes = patch.filter((item) => isObject(item) && item.$patch === 'delete') as Json[];
  const kept = original.filter((item) => !deletes.some((del) => isObject(item) && item[key] === del[key]));
  const patchItems = patch.filter((item) => !(isObject(item) && item.$patch === 'delete')) as Json[];
  for (const item of patchItems) {
    if (!isObject(item) || !(key in item)) throw new GoTemplateError(`map: ${JSON.stringify(item).slice(0, 80)} does not contain declared merge key: ${key} (at ${path.join('.')})`);
  }
  // mergeSliceWithoutSpecialElements: merge into the original element with the same key, or append.
  const merged: Json[] = kept.map((item) => item as Json);
  for (const item of patchItems) {
    const index = merged.findIndex((existing) => existing[key] === item[key]);
    if (index >= 0) merged[index] = mergeMap(merged[index], item, [...path, String(index)]);
    else merged.push(stripDirectives(item) as Json);
  }
  // normalizeElementOrder: patch elements in patch order, server-only elements in original order, then
  // mergeSortedSlice(serverOnly, patchItems, original).
  const inPatch = (item: Json) => patchItems.some((patchItem) => patchItem[key] === item[key]);
  const patchOrder = (item: Json) => patchItems.findIndex((patchItem) => patchItem[key] === item[key]);
  const originalIndex = (item: Json) => original.findIndex((candidate) => isObject(candidate) && candidate[key] === item[key]);
  const right = merged.filter(inPatch).sort((a, b) => patchOrder(a) - patchOrder(b));
  const left = merged.filter((item) => !inPatch(item)).sort((a, b) => originalIndex(a) - originalIndex(b));
  const result: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) result.push(right[j++]);
    else if (j >= right.length) result.push(left[i++]);
    else {
      const li = originalIndex(left[i]);
      const ri = originalIndex(right[j]);
      if (li >= 0 && ri >= 0 && li < ri) result.push(left[i++]);
      else result.push(right[j++]);
    }
  }
  return result;
}

/** The patch's own value where nothing is merged: directives removed (the API server never stores them). */
function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).filter(([key, item]) => !key.startsWith('$') && item !== null).map(([key, item]) => [key, stripDirectives(item)]));
  }
  return value;
}
