import { FakeCluster } from './cluster';

/** One command a shim on PATH handed over: the tool's name, the shell's working folder, its arguments and stdin. */
export interface ToolCall {
  readonly tool: string;
  readonly cwd: string;
  readonly args: readonly string[];
  /** The shell block of INSTALL.md it ran in, counted from 1 (0: outside the blocks). */
  readonly block?: number;
  /** What the command read on stdin, when one of its arguments is `-`. */
  readonly stdin?: string;
}

export interface ToolAnswer {
  readonly code: number;
  readonly stdout: string;
  readonly stderr?: string;
}

/** The read side of the cluster that `kubectl get`, `get --raw` and `exec` answer from, pods included. */
export interface ClusterReads {
  get(words: string[], options: { namespace?: string; output?: string; selector?: string; raw?: string }): ToolAnswer;
  exec(pod: string, namespace: string, container: string | undefined, command: string[]): ToolAnswer;
}

/** The part of the cluster that runs: pods of the workloads, and whether they can start. */
export interface DataPlaneControl {
  /** Brings the pods up to date with the workloads and Gateways after a change. */
  reconcile(): void;
  /** Why a Deployment's pods cannot become available, in kubectl's words; undefined when they can. */
  whyNotAvailable(deployment: Record<string, any>): string | undefined;
  /** Deletes a pod, which its controller replaces; returns whether it existed. */
  deletePod(namespace: string, name: string, by: string): boolean;
}

/** Everything a fake tool acts on during one install run. */
export interface World {
  readonly cluster: FakeCluster;
  readonly reads: ClusterReads;
  readonly dataPlane: DataPlaneControl;
  /** The real binaries. */
  readonly tools: { readonly helm: string; readonly kubectl: string };
  /** The Istio release whose files `$ISTIO_DIR` holds, e.g. "1.30.3", and that folder. */
  readonly release: string;
  readonly istioDir: string;
  /** The answer to `kubectl kustomize <remote URL>` (the Gateway API CRDs), or undefined for a local target. */
  remoteKustomizations(target: string): string | undefined;
  /** Every command run, in order, as the shell passed it. */
  readonly log: ToolCall[];
}
