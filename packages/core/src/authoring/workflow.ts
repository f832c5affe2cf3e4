import { ExecutionContext, type RunResult } from '../engine/execution-context';
import { GraphDefinitionError } from '../errors';
import { buildGraph } from '../graph/build-graph';
import type { Graph } from '../graph/types';
import type { RunOptions } from '../options/run-options';
import type { WorkflowNode } from './nodes';

/** A named workflow: its graph is built (and validated) once, when it is defined. */
export class Workflow {
  readonly graph: Graph;

  constructor(readonly name: string, root: WorkflowNode) {
    this.graph = buildGraph(name, root);
  }

  /** Runs the workflow; in-process unless the options choose the Redis backends. */
  run<T = unknown>(options: RunOptions = {}): Promise<RunResult<T>> {
    return ExecutionContext.create({ graph: this.graph, ...options }).execute<T>();
  }
}

/** Defines a workflow: `build` returns its root node (a task, chain or group). */
export function workflow(name: string, build: () => WorkflowNode): Workflow {
  if (typeof name !== 'string' || name === '') throw new GraphDefinitionError(`workflow(name) needs a non-empty name, got ${String(name)}`);
  return new Workflow(name, build());
}
