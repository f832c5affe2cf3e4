import type { Channel } from '../channels/channel';
import { checkValue } from '../codec/value-codec';
import { ResultNotFoundError, WorkflowCancelledError } from '../errors';
import type { RunState } from '../channels/channel';

/** A node whose result `getResult` can type: a task or a bound instance. */
export interface ResultRef<R> {
  readonly nodeId: string;
  /** Type-level only: the task's resolved return type. */
  readonly __result?: R;
}

/**
 * A node a task may ask to run next: a task, a bound instance, a chain or a group (`WorkflowNode`).
 * Typed by shape here so the node classes and this context do not import each other; the engine
 * checks that it really is one.
 */
export interface NextNode {
  readonly nodeId: string;
}

/** What a task function receives. */
export interface TaskContext<P = unknown> {
  /** The node id: a bound instance's own id, or the task id for a task used directly. */
  readonly taskId: string;
  readonly runId: string;
  readonly params: P;
  /** 1 on the first attempt. */
  readonly attempt: number;
  /** 0 on the first run of this node, then 1, 2, ... for each `nextIteration` or goto back. */
  readonly iteration: number;
  /** Fired on timeout, cancellation, a decided group and worker shutdown. */
  readonly signal: AbortSignal;
  readonly channel: Channel;
  /** The value another task returned in this run (async: on Redis it lives in Redis). */
  getResult<R>(ref: ResultRef<R>): Promise<R>;
  getResult<R = unknown>(nodeId: string): Promise<R>;
  /** Runs `node` after this task; with `goto`, jumps to it instead of the normal successors. */
  nextTask(node: NextNode, options?: { goto?: boolean }): void;
  /** Runs this task again, with `data` as the next `params` when given. */
  nextIteration(data?: P): void;
  /** Ends the workflow successfully after this task; the rest is skipped. */
  terminate(reason?: string): void;
  /** Cancels the workflow: the run rejects with `WorkflowCancelledError`. */
  cancel(reason?: string): never;
}

/** What a task asked the engine to do next. Serializable, so it can be journaled. */
export interface Directives {
  next: Array<{ node: NextNode; goto: boolean }>;
  iterate?: { params: unknown };
  terminate?: { reason?: string };
}

export function emptyDirectives(): Directives {
  return { next: [] };
}

export class TaskContextImpl<P> implements TaskContext<P> {
  readonly directives: Directives = emptyDirectives();

  constructor(
    readonly taskId: string,
    readonly runId: string,
    readonly params: P,
    readonly attempt: number,
    readonly iteration: number,
    readonly signal: AbortSignal,
    private readonly state: RunState,
  ) {}

  get channel(): Channel {
    return this.state.channel;
  }

  async getResult<R>(ref: ResultRef<R> | string): Promise<R> {
    const nodeId = typeof ref === 'string' ? ref : ref.nodeId;
    const { found, value } = await this.state.getResult(nodeId);
    if (!found) throw new ResultNotFoundError(nodeId);
    return value as R;
  }

  nextTask(node: NextNode, options: { goto?: boolean } = {}): void {
    this.directives.next.push({ node, goto: options.goto === true });
  }

  nextIteration(data?: P): void {
    // The next iteration's params follow the codec rules in both modes (a worker journals them).
    if (data !== undefined) checkValue(data, `iteration data of '${this.taskId}'`, Number.MAX_SAFE_INTEGER);
    this.directives.iterate = { params: data === undefined ? this.params : data };
  }

  terminate(reason?: string): void {
    this.directives.terminate = reason === undefined ? {} : { reason };
  }

  cancel(reason?: string): never {
    throw new WorkflowCancelledError(reason);
  }
}
