import { ExecutionContext, type RunResult } from '../engine/execution-context';
import { GraphDefinitionError } from '../errors';
import { buildGraph } from '../graph/build-graph';
import type { Graph } from '../graph/types';
import type { RunOptions, SubmitOptions } from '../options/run-options';
import { submitWorkflow, type RunHandle } from '../run-handle';
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

  /**
   * Runs the workflow durably on the worker fleet: stores the graph, enqueues the run's root job
   * and resolves once it is enqueued. The run then needs nothing from this process (it may
   * exit); follow it with the handle, or with `getRun(runId, options)` from any process.
   */
  submit(options: SubmitOptions = {}): Promise<RunHandle> {
    return submitWorkflow(this.graph, options);
  }
}

/** Defines a workflow: `build` returns its root node (a task, chain or group). */
export function workflow(name: string, build: () => WorkflowNode): Workflow {
  if (typeof name !== 'string' || name === '') throw new GraphDefinitionError(`workflow(name) needs a non-empty name, got ${String(name)}`);
  return new Workflow(name, build());
}
