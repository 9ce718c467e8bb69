import { ApiObject, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct } from 'constructs';

/** One synthesized object, with the place it takes in the apply order. */
export interface PlacedObject {
  /** The object as it will be written. */
  readonly manifest: any;
  /** Position in the apply order across all charts: lower is applied first. */
  readonly order: number;
  /** Construct path of the object, for messages that point at the code. */
  readonly path: string;
  /** Construct path of the chart that writes the object. */
  readonly chart: string;
}

/** A pod template, with where it comes from. */
export interface PodTemplate {
  readonly owner: PlacedObject;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly spec: any;
}

/** Object label for messages: `Kind namespace/name`. */
export function describeObject(manifest: any): string {
  const namespace = manifest.metadata?.namespace;
  return `${manifest.kind} ${namespace ? `${namespace}/` : ''}${manifest.metadata?.name}`;
}

/** The namespace an object lands in; objects without one go to "default", as kubectl would send them. */
export function namespaceOf(manifest: any): string {
  return manifest.metadata?.namespace ?? 'default';
}

const CLUSTER_SCOPED_KINDS = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);
const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/**
 * Everything an app synthesizes, indexed for the relation checks. Built from the construct tree without
 * calling `Chart.toJson()`, which would itself run validation and recurse into the analysis.
 */
export class ManifestSet {
  /** Reads every ApiObject under `root`, in the order cdk8s will write them. */
  public static fromTree(root: IConstruct): ManifestSet {
    const objects: PlacedObject[] = [];
    for (const chart of chartsInApplyOrder(root)) {
      const apiObjects = new DependencyGraph(chart.node).topology()
        .filter((construct): construct is ApiObject => construct instanceof ApiObject && Chart.of(construct) === chart);
      for (const apiObject of apiObjects) {
        objects.push({ manifest: apiObject.toJson(), order: objects.length, path: apiObject.node.path, chart: chart.node.path });
      }
    }
    return new ManifestSet(objects);
  }

  private readonly byKey = new Map<string, PlacedObject>();
  private readonly sameKey: PlacedObject[][] = [];
  // Read once: checks ask for the pods of a namespace once per Service, route and subset, so a scan of every
  // pod per question would make the analysis quadratic in the number of namespaces.
  private readonly templates: readonly PodTemplate[];
  private readonly templatesByNamespace = new Map<string, PodTemplate[]>();

  public constructor(public readonly objects: readonly PlacedObject[]) {
    const byKey = new Map<string, PlacedObject[]>();
    for (const object of objects) {
      const key = keyOf(object.manifest.kind, namespaceOrCluster(object.manifest), object.manifest.metadata?.name);
      const same = byKey.get(key);
      if (same) same.push(object);
      else byKey.set(key, [object]);
    }
    for (const [key, same] of byKey) {
      // The first one written is the one `find` answers with; kubectl would let the last one win.
      this.byKey.set(key, same[0]);
      if (same.length > 1) this.sameKey.push(same);
    }
    this.templates = objects.flatMap(podTemplateOf);
    for (const template of this.templates) {
      const inNamespace = this.templatesByNamespace.get(template.namespace);
      if (inNamespace) inNamespace.push(template);
      else this.templatesByNamespace.set(template.namespace, [template]);
    }
  }

  /** The object of a kind with a name, in a namespace (ignored for cluster-scoped kinds). */
  public find(kind: string, namespace: string, name: string): PlacedObject | undefined {
    return this.byKey.get(keyOf(kind, CLUSTER_SCOPED_KINDS.has(kind) ? '' : namespace, name));
  }

  /** Groups of two or more objects with the same kind, namespace and name, in output order. */
  public get duplicates(): PlacedObject[][] {
    return this.sameKey.map((same) => [...same]);
  }

  /** All objects of one kind. */
  public ofKind(kind: string): PlacedObject[] {
    return this.objects.filter((object) => object.manifest.kind === kind);
  }

  /** Pod templates of every workload, with their namespace and labels. */
  public get podTemplates(): PodTemplate[] {
    return [...this.templates];
  }

  /** Pod templates in a namespace whose labels include every selector entry. */
  public podsSelectedBy(namespace: string, selector: Record<string, string>): PodTemplate[] {
    return (this.templatesByNamespace.get(namespace) ?? []).filter((pod) => labelsMatch(selector, pod.labels));
  }
}

/** The pod template of a workload or Pod, none for other objects. */
function podTemplateOf(object: PlacedObject): PodTemplate[] {
  const { manifest } = object;
  if (POD_TEMPLATE_KINDS.has(manifest.kind) && manifest.spec?.template) {
    return [{ owner: object, namespace: namespaceOf(manifest), labels: manifest.spec.template.metadata?.labels ?? {}, spec: manifest.spec.template.spec ?? {} }];
  }
  if (manifest.kind === 'Pod') {
    return [{ owner: object, namespace: namespaceOf(manifest), labels: manifest.metadata?.labels ?? {}, spec: manifest.spec ?? {} }];
  }
  return [];
}

/** True when every key of `selector` has the same value in `labels`. */
export function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function keyOf(kind: string, namespace: string, name: string): string {
  return `${kind}\u0000${namespace}\u0000${name}`;
}

function namespaceOrCluster(manifest: any): string {
  return CLUSTER_SCOPED_KINDS.has(manifest.kind) ? '' : namespaceOf(manifest);
}

/**
 * Charts sorted the way `App.synth()` will write them: cdk8s orders charts by their dependencies, and
 * turns a dependency between constructs of two charts into one between the charts. Validation runs before
 * cdk8s records those chart dependencies, so they are derived here the same way.
 */
function chartsInApplyOrder(root: IConstruct): Chart[] {
  const constructs = root.node.findAll();
  const charts = constructs.filter((construct): construct is Chart => Chart.isChart(construct));
  const dependsOn = new Map<Chart, Set<Chart>>(charts.map((chart) => [chart, new Set<Chart>()]));
  for (const construct of constructs) {
    if (!chartOrUndefined(construct)) continue;
    for (const dependency of construct.node.dependencies) {
      const from = chartOrUndefined(construct);
      const to = chartOrUndefined(dependency);
      if (from && to && from !== to) dependsOn.get(from)!.add(to);
    }
    const parentChart = construct.node.scope && Chart.isChart(construct) ? chartOrUndefined(construct.node.scope) : undefined;
    if (parentChart && Chart.isChart(construct)) dependsOn.get(parentChart)!.add(construct);
  }
  const sorted: Chart[] = [];
  const done = new Set<Chart>();
  const visiting = new Set<Chart>();
  const visit = (chart: Chart) => {
    if (done.has(chart) || visiting.has(chart)) return;
    visiting.add(chart);
    for (const dependency of dependsOn.get(chart) ?? []) visit(dependency);
    sorted.push(chart);
    done.add(chart);
  };
  charts.forEach(visit);
  return sorted;
}

function chartOrUndefined(construct: IConstruct): Chart | undefined {
  try {
    return Chart.of(construct);
  } catch {
    return undefined;
  }
}
