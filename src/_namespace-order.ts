import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

// cdk8s writes a chart's objects in the order of their dependencies, and an object that depends on nothing and
// that nothing depends on keeps its place in the construct tree. A dependency on the Namespace from only some
// of the objects of a namespace therefore moves the Namespace after the others: either every object of the
// namespace depends on it, or the order is left to construction. Every one, added when the tree is complete
// (at synth), is the only rule that holds whatever order the constructs were created in.

/** The Namespace object of each namespace name the library creates, per chart, per tree. */
const namespacesByRoot = new WeakMap<IConstruct, Map<Chart, Map<string, ApiObject>>>();

/** Records that `namespaceObject` creates namespace `name` in its chart; the first one of a name wins. */
export function registerNamespace(name: string, namespaceObject: ApiObject): void {
  const root = namespaceObject.node.root;
  const byChart = namespacesByRoot.get(root) ?? new Map<Chart, Map<string, ApiObject>>();
  namespacesByRoot.set(root, byChart);
  const chart = Chart.of(namespaceObject);
  const inChart = byChart.get(chart) ?? new Map<string, ApiObject>();
  byChart.set(chart, inChart);
  // A second Namespace of the same name is an error the analysis reports, naming both.
  if (!inChart.has(name)) inChart.set(name, namespaceObject);
}

/**
 * Makes every ApiObject of a chart that lives in a namespace the library creates in that chart depend on
 * that Namespace, so that cdk8s writes the Namespace first. Idempotent; run before objects are ordered.
 */
export function orderNamespacesFirst(root: IConstruct): void {
  for (const [chart, namespaces] of namespacesByRoot.get(root) ?? []) {
    for (const construct of chart.node.findAll()) {
      if (!(construct instanceof ApiObject)) continue;
      const namespaceObject = construct.metadata.namespace === undefined ? undefined : namespaces.get(construct.metadata.namespace);
      if (namespaceObject && namespaceObject !== construct && Chart.of(construct) === chart) construct.addDependency(namespaceObject);
    }
  }
}
