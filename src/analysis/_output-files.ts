import { ApiObject, App, Chart, Names, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';

// Where `App.synth()` of cdk8s 2.70 writes each object, and so the order in which `kubectl apply -f <outdir>`
// (Go's filepath.Walk: entries in lexical byte order) and `cdk8s synth --stdout` (the CLI reads the outdir back
// with readdir, sorted the same way, files before sub-folders) take them. What app.js does, and what this
// predicts without changing the tree (the analysis runs inside cdk8s validation, before cdk8s adds its own
// dependencies):
// - Charts are ordered by `new DependencyGraph(app.node).topology()`: a depth-first walk over every construct,
//   from the constructs nothing depends on (in the order of an object keyed by construct path, so a top-level
//   chart with an integer id comes first), each one's dependencies before itself. Before that, cdk8s makes
//   each chart depend on the charts directly nested in it and on every chart that holds a dependency of one
//   of its constructs.
// - FILE_PER_CHART (the default) names a chart's file `Names.toDnsLabel(chart)` plus the output file extension,
//   with a `0000-` index in that order when any chart depends on another (nested charts count).
// - In a chart's file, objects follow `new DependencyGraph(chart.node).topology()`, after cdk8s has turned
//   each dependency between two constructs of the chart into one from every ApiObject under the first to
//   every ApiObject under the second.
// - FILE_PER_APP writes `app` plus the extension; FILE_PER_RESOURCE one file per object, `Kind.name` without the
//   characters other than letters, digits, "-", "_" and "." (two objects with the same file name: the last one
//   written wins); FOLDER_PER_CHART_FILE_PER_RESOURCE a folder per chart, named like the chart's file.

/** One object as cdk8s will write it. */
export interface WrittenObject {
  readonly apiObject: ApiObject;
  /** The chart whose output holds the object. */
  readonly chart: Chart;
  /** The file, relative to the App's outdir: `folder/file` for a folder per chart. */
  readonly file: string;
}

/** What an App writes, in the order kubectl applies it. */
export interface OutputLayout {
  /** Every object, in apply order. */
  readonly objects: WrittenObject[];
  /** Objects written to a file that a later object of the same file name replaces (FILE_PER_RESOURCE only). */
  readonly overwritten: WrittenObject[];
  /** The file (or folder) of each chart, for FILE_PER_CHART and FOLDER_PER_CHART_FILE_PER_RESOURCE. */
  readonly chartFiles: Map<Chart, string>;
  readonly outputType: YamlOutputType;
}

/** A dependency between charts that the tree does not have (yet), for predicting the file names it would give. */
export interface ChartDependency {
  readonly dependent: Chart;
  readonly dependency: Chart;
}

/** What `App.synth()` of the tree of `root` would write, in apply order. */
export function outputLayout(root: IConstruct): OutputLayout {
  const { outputType, extension } = outputSettings(root);
  const tree = readTree(root);
  const { charts, chartNames } = chartsInWriteOrder(tree);
  const unsorted: Array<WrittenObject & { readonly index: number }> = [];
  for (const chart of charts) {
    for (const apiObject of objectsInChartOrder(chart, tree)) {
      const resourceFile = () => `${`${apiObject.kind}.${apiObject.name}`.replace(/[^0-9A-Za-z_.-]/g, '')}${extension}`;
      const file = outputType === YamlOutputType.FILE_PER_APP ? `app${extension}`
        : outputType === YamlOutputType.FILE_PER_RESOURCE ? resourceFile()
          : outputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE ? `${chartNames.get(chart)}/${resourceFile()}`
            : `${chartNames.get(chart)}${extension}`;
      unsorted.push({ apiObject, chart, file, index: unsorted.length });
    }
  }
  // A later object with the same file name replaces the file: only the last one reaches the cluster.
  const lastOfFile = new Map<string, number>();
  if (outputType === YamlOutputType.FILE_PER_RESOURCE || outputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE) {
    for (const object of unsorted) lastOfFile.set(object.file, object.index);
  }
  const replaced = (object: { file: string; index: number }) => (lastOfFile.get(object.file) ?? object.index) !== object.index;
  const kept = unsorted.filter((object) => !replaced(object));
  kept.sort((a, b) => compareFilePaths(a.file, b.file) || a.index - b.index);
  const strip = ({ apiObject, chart, file }: WrittenObject): WrittenObject => ({ apiObject, chart, file });
  return {
    objects: kept.map(strip),
    overwritten: unsorted.filter(replaced).map(strip),
    chartFiles: chartFileNames(chartNames, outputType, extension),
    outputType,
  };
}

/**
 * The file (or folder) of every chart as cdk8s would write it with one more chart dependency, to show the
 * names a fix gives; undefined when that dependency would close a cycle, which cdk8s refuses.
 */
export function chartFilesWith(root: IConstruct, added: ChartDependency): Map<Chart, string> | undefined {
  const { outputType, extension } = outputSettings(root);
  const { chartNames, cyclic } = chartsInWriteOrder(readTree(root), added);
  return cyclic ? undefined : chartFileNames(chartNames, outputType, extension);
}

function outputSettings(root: IConstruct): { outputType: YamlOutputType; extension: string } {
  return root instanceof App
    ? { outputType: root.yamlOutputType, extension: root.outputFileExtension }
    : { outputType: YamlOutputType.FILE_PER_CHART, extension: '.k8s.yaml' };
}

/** Files of FILE_PER_CHART and folders of FOLDER_PER_CHART_FILE_PER_RESOURCE; charts have none of their own otherwise. */
function chartFileNames(chartNames: Map<Chart, string>, outputType: YamlOutputType, extension: string): Map<Chart, string> {
  if (outputType === YamlOutputType.FILE_PER_CHART) return new Map([...chartNames].map(([chart, name]) => [chart, `${name}${extension}`]));
  return outputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE ? new Map(chartNames) : new Map();
}

/** Compares two file paths the way a directory walk meets them: folder by folder, each name by its bytes. */
function compareFilePaths(a: string, b: string): number {
  if (a === b) return 0;
  const [x, y] = [a.split('/'), b.split('/')];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}

/** The constructs of a tree in tree order, and the chart of each (as Chart.of; none outside charts, like the analysis). */
interface Tree {
  readonly constructs: IConstruct[];
  readonly chartOf: (construct: IConstruct) => Chart | undefined;
}

/** Reads the tree once: Chart.of for every construct would walk up to its chart each time. */
function readTree(root: IConstruct): Tree {
  const constructs = root.node.findAll();
  const charts = new Map<IConstruct, Chart | undefined>();
  for (const construct of constructs) {
    const scope = construct.node.scope;
    charts.set(construct, Chart.isChart(construct) ? construct : scope === undefined ? undefined : charts.get(scope));
  }
  return { constructs, chartOf: (construct) => charts.get(construct) };
}

/** Charts in the order cdk8s writes them, and the name of each one's file without the extension. */
function chartsInWriteOrder({ constructs, chartOf }: Tree, added?: ChartDependency): { charts: Chart[]; chartNames: Map<Chart, string>; cyclic: boolean } {
  const chartEdges = new Map<IConstruct, IConstruct[]>();
  let numbered = false;
  const addChartEdge = (from: Chart, to: Chart) => {
    numbered = true;
    const edges = chartEdges.get(from) ?? [];
    if (!edges.includes(to)) edges.push(to);
    chartEdges.set(from, edges);
  };
  for (const construct of constructs) {
    if (!Chart.isChart(construct)) continue;
    for (const child of construct.node.children) if (Chart.isChart(child)) addChartEdge(construct, child);
  }
  for (const construct of constructs) {
    for (const dependency of construct.node.dependencies) {
      const from = chartOf(construct);
      const to = chartOf(dependency);
      if (from && to && from !== to) addChartEdge(from, to);
    }
  }
  if (added) addChartEdge(added.dependent, added.dependency);

  const { order, cyclic } = topology(constructs, (construct) => [...construct.node.dependencies, ...(chartEdges.get(construct) ?? [])], true);
  const charts = order.filter((construct): construct is Chart => Chart.isChart(construct));
  const chartNames = new Map<Chart, string>();
  charts.forEach((chart, index) => chartNames.set(chart, `${numbered ? `${String(index).padStart(4, '0')}-` : ''}${Names.toDnsLabel(chart)}`));
  return { charts, chartNames, cyclic };
}

/** The ApiObjects of a chart in the order its file lists them. */
function objectsInChartOrder(chart: Chart, { chartOf }: Tree): ApiObject[] {
  const constructs = chart.node.findAll();
  const expanded = new Map<IConstruct, IConstruct[]>();
  const apiObjectsUnder = (construct: IConstruct) => construct instanceof ApiObject && construct.node.children.length === 0
    ? [construct] : construct.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && chartOf(c) === chart);
  for (const source of constructs) {
    for (const target of source.node.dependencies) {
      if (chartOf(source) !== chart || chartOf(target) !== chart) continue;
      const sources = apiObjectsUnder(source);
      for (const targetObject of apiObjectsUnder(target)) {
        for (const sourceObject of sources) {
          if (sourceObject === targetObject) continue;
          const edges = expanded.get(sourceObject) ?? [];
          edges.push(targetObject);
          expanded.set(sourceObject, edges);
        }
      }
    }
  }
  return topology(constructs, (construct) => [...construct.node.dependencies, ...(expanded.get(construct) ?? [])], false).order
    .filter((construct): construct is ApiObject => construct instanceof ApiObject && chartOf(construct) === chart);
}

/**
 * The order of cdk8s's DependencyGraph.topology() over `vertices` (in tree order): edges to constructs that
 * are not vertices are ignored; the walk starts from each vertex nothing depends on, in the order of a
 * JavaScript object keyed by construct path when `pathKeyOrder` (integer-like paths first, ascending).
 */
function topology(vertices: IConstruct[], edgesOf: (construct: IConstruct) => IConstruct[], pathKeyOrder: boolean): { order: IConstruct[]; cyclic: boolean } {
  const isVertex = new Set(vertices);
  const outbound = new Map<IConstruct, IConstruct[]>();
  const hasInbound = new Set<IConstruct>();
  for (const vertex of vertices) {
    const edges: IConstruct[] = [];
    for (const target of edgesOf(vertex)) {
      if (!isVertex.has(target) || edges.includes(target)) continue;
      edges.push(target);
      hasInbound.add(target);
    }
    outbound.set(vertex, edges);
  }
  let roots = vertices.filter((vertex) => !hasInbound.has(vertex));
  if (pathKeyOrder) {
    const integerKey = (vertex: IConstruct) => /^(0|[1-9]\d*)$/.test(vertex.node.path) && Number(vertex.node.path) < 2 ** 32 - 1;
    roots = [...roots.filter(integerKey).sort((a, b) => Number(a.node.path) - Number(b.node.path)), ...roots.filter((vertex) => !integerKey(vertex))];
  }
  const order: IConstruct[] = [];
  const placed = new Set<IConstruct>();
  const visiting = new Set<IConstruct>();
  let cyclic = false;
  const visit = (vertex: IConstruct) => {
    if (visiting.has(vertex)) cyclic = true; // which fails cdk8s's own synth
    if (placed.has(vertex) || visiting.has(vertex)) return;
    visiting.add(vertex);
    for (const target of outbound.get(vertex) ?? []) visit(target);
    visiting.delete(vertex);
    placed.add(vertex);
    order.push(vertex);
  };
  roots.forEach(visit);
  // A cycle leaves its vertices without a root to start from.
  return { order, cyclic: cyclic || order.length < vertices.length };
}
