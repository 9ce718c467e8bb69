import { Chart, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';
import { dns1123LabelProblem, objectNameProblem } from './_kubernetes-names';
import { chartFilesWith, outputLayout } from './_output-files';

/** One synthesized object, with the place it takes in the apply order. */
export interface PlacedObject {
  /** The object as it will be written. */
  readonly manifest: any;
  /** Position in the order `kubectl apply -f` of the output folder takes the objects: lower is applied first. */
  readonly order: number;
  /** Construct path of the object, for messages that point at the code. */
  readonly path: string;
  /** Construct path of the chart that writes the object. */
  readonly chart: string;
  /** The file the object is written to, relative to the App's outdir. */
  readonly file: string;
}

/** A pod template (or the spec of a Pod), with where it comes from. */
export interface PodTemplate {
  readonly owner: PlacedObject;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly spec: any;
  /** Field path of the pod spec in its object, e.g. `spec.template.spec`. */
  readonly specPath: string;
  /** The labels the owner selects its pods by (matchLabels, or a ReplicationController's selector); undefined when none. */
  readonly selector?: Record<string, string>;
}

/**
 * Object label for messages: `Kind namespace/name`. A name or namespace the API server would refuse is quoted
 * and marked, so that no message repeats it as if it were fine.
 */
export function describeObject(manifest: any): string {
  const namespace = manifest.metadata?.namespace;
  const name = manifest.metadata?.name;
  const nameValid = objectNameProblem(manifest.kind, name) === undefined;
  const namespaceValid = namespace === undefined || dns1123LabelProblem(namespace) === undefined;
  const shown = (value: unknown, valid: boolean) => (valid ? String(value) : JSON.stringify(value));
  return `${manifest.kind} ${namespace === undefined ? '' : `${shown(namespace, namespaceValid)}/`}${shown(name, nameValid)}${nameValid && namespaceValid ? '' : ' (an invalid name)'}`;
}

/** The name of an object of `kind` (a namespace: kind Namespace) for messages, quoted and marked when the API server would refuse it. */
export function describeName(kind: string, name: string): string {
  return objectNameProblem(kind, name) === undefined ? name : `${JSON.stringify(name)} (an invalid name)`;
}

/** The namespace an object lands in; objects without one go to "default", as kubectl would send them. */
export function namespaceOf(manifest: any): string {
  return manifest.metadata?.namespace ?? 'default';
}

const CLUSTER_SCOPED_KINDS = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);
/** Kinds whose pods come from `spec.template`. */
const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController']);

/**
 * Everything an app synthesizes, indexed for the relation checks, in the order `kubectl apply -f` of the
 * output folder applies it: the order of the files cdk8s writes, then the order inside each file. Built from
 * the construct tree without calling `Chart.toJson()`, which would itself run validation and recurse into
 * the analysis.
 */
export class ManifestSet {
  /** Reads every ApiObject under `root`, in the order kubectl will apply them. */
  public static fromTree(root: IConstruct): ManifestSet {
    const layout = outputLayout(root);
    const objects = layout.objects.map(({ apiObject, chart, file }, order): PlacedObject =>
      ({ manifest: apiObject.toJson(), order, path: apiObject.node.path, chart: chart.node.path, file }));
    const overwritten = layout.overwritten.map(({ apiObject, chart, file }): PlacedObject =>
      ({ manifest: apiObject.toJson(), order: -1, path: apiObject.node.path, chart: chart.node.path, file }));
    const chartFiles = new Map([...layout.chartFiles].map(([chart, file]) => [chart.node.path, file]));
    return new ManifestSet(objects, { root, overwritten, chartFiles, outputType: layout.outputType });
  }

  private readonly byKey = new Map<string, PlacedObject>();
  private readonly sameKey: PlacedObject[][] = [];
  // Read once: checks ask for the pods of a namespace once per Service, route and subset, so a scan of every
  // pod per question would make the analysis quadratic in the number of namespaces.
  private readonly templates: readonly PodTemplate[];
  private readonly templatesByNamespace = new Map<string, PodTemplate[]>();
  private readonly root?: IConstruct;
  /** Objects cdk8s writes to a file that a later object of the same file name replaces. */
  public readonly overwritten: readonly PlacedObject[];
  /** The file (or folder) each chart is written to, by chart path; empty when charts have no file of their own. */
  public readonly chartFiles: ReadonlyMap<string, string>;
  /** How the App divides its output into files. */
  public readonly outputType: YamlOutputType;

  public constructor(public readonly objects: readonly PlacedObject[], written: WrittenOutput = {}) {
    this.root = written.root;
    this.overwritten = written.overwritten ?? [];
    this.chartFiles = written.chartFiles ?? new Map();
    this.outputType = written.outputType ?? YamlOutputType.FILE_PER_CHART;
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

  /** Pod templates of every workload and the specs of Pods, with their namespace and labels. */
  public get podTemplates(): PodTemplate[] {
    return [...this.templates];
  }

  /** Pod templates in a namespace whose labels include every selector entry. */
  public podsSelectedBy(namespace: string, selector: Record<string, string>): PodTemplate[] {
    return (this.templatesByNamespace.get(namespace) ?? []).filter((pod) => labelsMatch(selector, pod.labels));
  }

  /**
   * The files (by chart path) cdk8s would give the charts if chart `dependent` depended on chart `dependency`;
   * undefined when that would close a cycle of chart dependencies, or the set was not read from a tree.
   */
  public chartFilesWithDependency(dependent: string, dependency: string): Map<string, string> | undefined {
    const charts = this.root?.node.findAll().filter((construct): construct is Chart => Chart.isChart(construct)) ?? [];
    const [from, to] = [dependent, dependency].map((path) => charts.find((chart) => chart.node.path === path));
    if (!this.root || !from || !to) return undefined;
    const files = chartFilesWith(this.root, { dependent: from, dependency: to });
    return files && new Map([...files].map(([chart, file]) => [chart.node.path, file]));
  }
}

/** Where the objects of a ManifestSet read from a tree are written. */
export interface WrittenOutput {
  /** The root of the tree, for predicting the files another chart dependency gives. */
  readonly root?: IConstruct;
  /** Objects written to a file that a later object replaces. */
  readonly overwritten?: readonly PlacedObject[];
  /** The file (or folder) of each chart, by chart path. */
  readonly chartFiles?: ReadonlyMap<string, string>;
  /** How the App divides its output into files. */
  readonly outputType?: YamlOutputType;
}

/** The pod template of a workload, CronJob, PodTemplate or Pod; none for other objects. */
function podTemplateOf(object: PlacedObject): PodTemplate[] {
  const { manifest } = object;
  const namespace = namespaceOf(manifest);
  const template = (metadata: any, spec: any, specPath: string, selector?: Record<string, string>): PodTemplate[] =>
    [{ owner: object, namespace, labels: metadata?.labels ?? {}, spec: spec ?? {}, specPath, selector }];
  if (POD_TEMPLATE_KINDS.has(manifest.kind) && manifest.spec?.template) {
    const selector = manifest.kind === 'ReplicationController' ? manifest.spec.selector : manifest.spec.selector?.matchLabels;
    return template(manifest.spec.template.metadata, manifest.spec.template.spec, 'spec.template.spec', selector);
  }
  if (manifest.kind === 'CronJob' && manifest.spec?.jobTemplate?.spec?.template) {
    const job = manifest.spec.jobTemplate.spec;
    return template(job.template.metadata, job.template.spec, 'spec.jobTemplate.spec.template.spec', job.selector?.matchLabels);
  }
  if (manifest.kind === 'PodTemplate' && manifest.template) return template(manifest.template.metadata, manifest.template.spec, 'template.spec');
  if (manifest.kind === 'Pod') return template(manifest.metadata, manifest.spec, 'spec');
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
