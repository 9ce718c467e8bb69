import { IConstruct } from 'constructs';
import { tracingReleaseOf } from '../analysis/_app-release';
import { IstioRelease, releaseProp } from '../istio-release';

/** The release a Bookinfo construct writes for, and how it was chosen (named when the app mixes releases). */
export interface ChosenRelease {
  readonly release: IstioRelease;
  readonly chosenBy: string;
}

/**
 * The release prop when given; otherwise the release of the LightStep tracing already in the app, so that one
 * app writes for one Istio; otherwise the newest release this library knows.
 */
export function releaseOrFollowed(scope: IConstruct, prop: unknown, field: string): ChosenRelease {
  if (prop !== undefined) return { release: releaseProp(prop, field), chosenBy: `its ${field.split('.')[1]} prop` };
  const tracing = tracingReleaseOf(scope);
  if (tracing) return { release: tracing.release, chosenBy: `followed from ${tracing.kind} at ${tracing.construct.node.path}` };
  return {
    release: IstioRelease.newest(),
    chosenBy: `no ${field.split('.')[1]} prop and no LightstepTracing in the app when it was created, so the newest release this library knows`,
  };
}
