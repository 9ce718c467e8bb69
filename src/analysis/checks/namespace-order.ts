import { YamlOutputType } from 'cdk8s';
import { AnalysisInput } from '../analysis-input';
import { describeName, describeObject, ManifestSet, PlacedObject } from '../manifest-set';

/** How many objects a grouped message names before it only counts the rest. */
const NAMED_OBJECTS = 3;

/**
 * Namespaces must be applied before the objects that live in them, in the order `kubectl apply -f <outdir>`
 * and `cdk8s synth --stdout` take them: files in name order, objects in file order. Objects of one file that
 * come too early are reported together, with the fix that orders the files (a chart dependency, which cdk8s
 * turns into numbered file names) or the objects (a dependency on the Namespace). Objects whose file a later
 * object of the same file name replaces never reach the cluster, and are reported too.
 */
export function checkNamespaceOrder({ manifests }: AnalysisInput): string[] {
  const tooEarly = new Map<string, { namespace: PlacedObject; objects: PlacedObject[] }>();
  for (const object of manifests.objects) {
    const namespace = object.manifest.metadata?.namespace;
    if (object.manifest.kind === 'Namespace' || namespace === undefined) continue;
    const created = manifests.find('Namespace', '', namespace);
    if (!created || created.order < object.order) continue;
    const key = `${object.file}\u0000${object.chart}\u0000${namespace}`;
    const group = tooEarly.get(key) ?? { namespace: created, objects: [] };
    group.objects.push(object);
    tooEarly.set(key, group);
  }
  const errors = [...tooEarly.values()].map(({ namespace, objects }) => tooEarlyMessage(manifests, namespace, objects));
  for (const object of manifests.overwritten) {
    errors.push(`${describeObject(object.manifest)} (construct ${object.path}): is written to ${object.file}, which a later object of the same file name replaces, so it never reaches the cluster. `
      + 'Fix: give the objects different kinds or names, or write a file per chart (the App\'s default yamlOutputType, YamlOutputType.FILE_PER_CHART)');
  }
  return errors;
}

function tooEarlyMessage(manifests: ManifestSet, namespaceObject: PlacedObject, objects: PlacedObject[]): string {
  const [first] = objects;
  const namespace = describeName('Namespace', namespaceObject.manifest.metadata.name);
  const named = objects.slice(0, NAMED_OBJECTS).map((object) => describeObject(object.manifest)).join(', ');
  const more = objects.length > NAMED_OBJECTS ? ` and ${objects.length - NAMED_OBJECTS} more` : '';
  const what = `${named}${more} (${objects.length === 1 ? `construct ${first.path}` : `chart ${first.chart}`}, file ${first.file})`;
  if (first.file === namespaceObject.file && first.chart === namespaceObject.chart) {
    // Within one chart the library writes a MeshNamespace first by itself; a plain Namespace needs a dependency.
    return `${what}: ${objects.length === 1 ? 'is' : 'are'} applied before Namespace ${namespace}, which chart ${first.chart} writes later in the same file. `
      + `Fix: create the Namespace with MeshNamespace, which its chart writes first, or make ${first.path} depend on ${namespaceObject.path} (node.addDependency)`;
  }
  const where = first.file === namespaceObject.file
    ? `chart ${namespaceObject.chart} creates it later in the same file ${first.file}`
    : `kubectl apply -f (and cdk8s synth --stdout) take the files in name order, and ${namespaceObject.file}, where chart ${namespaceObject.chart} creates it, comes after ${first.file}`;
  return `${what}: ${objects.length === 1 ? 'is' : 'are'} applied before Namespace ${namespace}: ${where}. Fix: ${chartOrderFix(manifests, first.chart, namespaceObject.chart)}`;
}

/** The chart dependency that writes `dependency`'s objects first, with the file names cdk8s then gives both. */
function chartOrderFix(manifests: ManifestSet, dependent: string, dependency: string): string {
  const call = `${identifier(dependent)}.addDependency(${identifier(dependency)})`;
  if (manifests.outputType === YamlOutputType.FILE_PER_RESOURCE) {
    return `write a file per chart (the App's default yamlOutputType, YamlOutputType.FILE_PER_CHART), whose files cdk8s orders by chart dependencies, and add the chart dependency ${call}`;
  }
  const files = manifests.chartFilesWithDependency(dependent, dependency);
  if (files === undefined) {
    return `chart ${dependency} already depends on chart ${dependent}: create the Namespace in a chart of its own, and make both charts depend on it (chart.addDependency(namespacesChart))`;
  }
  const [before, after] = [files.get(dependency), files.get(dependent)];
  const naming = before !== undefined && after !== undefined ? `, and cdk8s then numbers the files in dependency order (${before} before ${after})` : '';
  return `add the chart dependency ${call} (chart ${dependent} depends on chart ${dependency})${naming}; or create the Namespace in a chart that is written first`;
}

/** A variable name for a chart in a fix: its id in lower camel case, e.g. `aaa-mine` -> `aaaMine`. */
function identifier(chartPath: string): string {
  const words = chartPath.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const camel = words.map((word, index) => (index === 0 ? word.toLowerCase() : word[0].toUpperCase() + word.slice(1).toLowerCase())).join('');
  return /^[A-Za-z_]/.test(camel) ? camel : `chart${camel.charAt(0).toUpperCase()}${camel.slice(1)}`;
}
