/**
 * The graph model: a plain, serializable description of a workflow. It holds no functions, and
 * its node ids are deterministic, so the same definition gives the same structure (and the same
 * content hash in the graph store) in every process.
 */

export type BackoffType = 'fixed' | 'exponential';

/** Task options as stored in the graph (already resolved: attempts, not retries). */
export interface TaskOptionsSpec {
  attempts: number;
  backoff: { type: BackoffType; delayMs: number };
  timeoutMs?: number;
  maxCycles: number;
  /** BullMQ queue of the branch this task runs in, when distributed (specialized worker pools). */
  queue?: string;
}

/** A group policy in serializable form; custom policies are stored by their registered name. */
export type PolicySpec =
  | 'strict'
  | 'best_effort'
  | { atLeast: number }
  | { critical: string[] }
  | { custom: string };

export type GroupBackend = 'local' | 'redis';

export interface TaskNode {
  kind: 'task';
  id: string;
  taskId: string;
  params?: unknown;
  /**
   * Omitted when the task uses the defaults (most do): a group fanned out over 100,000 params
   * would otherwise repeat them 100,000 times. Read it with `taskOptionsOf(node)`.
   */
  options?: TaskOptionsSpec;
}

export interface ChainNode {
  kind: 'chain';
  id: string;
  members: string[];
}

export interface GroupNode {
  kind: 'group';
  id: string;
  name?: string;
  members: string[];
  policy: PolicySpec;
  /** Omitted: the run's queue backend decides. */
  backend?: GroupBackend;
  timeoutMs?: number;
  /** Local backend only: how many branches run at once. */
  concurrency?: number;
}

export type GraphNode = TaskNode | ChainNode | GroupNode;

export interface Graph {
  format: 'graflow.graph/1';
  name: string;
  root: string;
  nodes: Record<string, GraphNode>;
  /** Sequence edges [from, to], one per consecutive pair in every chain. */
  edges: Array<[string, string]>;
}
