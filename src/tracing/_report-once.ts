import { IConstruct } from 'constructs';
import { addWarning } from '../warnings';

// Several constructs of one tree use the same certificate or token (one Secret per namespace); the user
// should read each warning once per app, not once per namespace.
const reported = new WeakMap<IConstruct, Set<string>>();

/** Records `message` as a warning on `scope` unless the same message was already recorded in its tree. */
export function addWarningOnce(scope: IConstruct, message: string): void {
  const root = scope.node.root;
  const seen = reported.get(root) ?? new Set<string>();
  reported.set(root, seen);
  if (seen.has(message)) return;
  seen.add(message);
  addWarning(scope, message);
}
