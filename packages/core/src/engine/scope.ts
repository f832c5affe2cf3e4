import type { Graph, GroupNode } from '../graph/types';

/** Where a node runs: which graph, under which path, inside which branch, with which signal. */
export interface Scope {
  graph: Graph;
  /** Deterministic path of group instances and branches; keys journals and distributed groups. */
  path: string;
  /** The parallel branch this scope belongs to, for goto checks. */
  branch?: { groupId: string; memberId: string };
  signal: AbortSignal;
  /** How many times each node ran in this scope (cycle limits, journal keys). */
  visits: Map<string, number>;
}

/** A node to run, possibly from a graph built at run time by `nextTask`. */
export interface NodeRef {
  graph: Graph;
  nodeId: string;
  /** Overrides the node's params (the next iteration's data). */
  params?: { value: unknown };
}

/** A task's requests, resolved to serializable node references so they can be journaled. */
export interface ResolvedDirectives {
  next: Array<{ ref: NodeRef; goto: boolean }>;
  iterate?: { params: unknown };
  terminate?: { reason?: string };
}

/** What happens when the engine reaches a parallel group. */
export interface GroupExecutor {
  /** Resolves with the values of the succeeded branches, or rejects (ParallelGroupError, ...). */
  executeGroup(group: GroupNode, scope: Scope, runBranch: BranchRunner): Promise<Record<string, unknown>>;
}

/** Runs one branch of a group in a child scope; executors that run branches in-process call it. */
export type BranchRunner = (memberId: string, scope: Scope) => Promise<unknown>;

/** Hooks through which a worker observes task executions (metrics, logs). */
export interface RunnerHooks {
  taskStart?(info: { nodeId: string; taskId: string; attempt: number }): void;
  taskEnd?(info: { nodeId: string; taskId: string; attempt: number; ok: boolean; durationMs: number; error?: unknown }): void;
}

/** The scope of one branch: `groupScope.path` already names the group instance. */
export function branchScope(groupScope: Scope, group: GroupNode, memberId: string, signal: AbortSignal): Scope {
  return {
    graph: groupScope.graph,
    path: `${groupScope.path}/${memberId}`,
    branch: { groupId: group.id, memberId },
    signal,
    visits: new Map(),
  };
}
