import { IConstruct } from 'constructs';

/** Metadata type under which constructs of this library record synth-time warnings. */
export const WARNING_METADATA = 'cdk8s-istio-lightstep:warning';

/**
 * Records a synth-time warning on a construct. The library never prints: an app reads the warnings of its
 * tree through `MeshAnalysis.warnings()` and shows them, so constructing objects in a test or a library stays silent.
 */
export function addWarning(scope: IConstruct, message: string): void {
  scope.node.addMetadata(WARNING_METADATA, message, { stackTrace: false });
}

/** Every warning recorded on a construct and its children, in tree order. */
export function warningsOf(scope: IConstruct): string[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata.filter((entry) => entry.type === WARNING_METADATA).map((entry) => String(entry.data)));
}
