import { carryParams } from '../codec/params';
import { InvalidOptionError } from '../errors';
import { assertKnownKeys, integerOption, MAX_TIMER_MS } from '../options/validate';
import type { GroupBackend, PolicySpec, TaskOptionsSpec } from '../graph/types';
import { chainId, groupId, instanceId } from '../graph/ids';
import { toPolicySpec, type GroupPolicy } from '../policies/policy';
import type { ResultRef, TaskContext } from '../engine/task-context';

export type { ResultRef };

/** Anything that can stand in a workflow: a task, a bound instance, a chain or a group. */
export type WorkflowNode = Task<any, any> | TaskInstance<any, any> | Chain | ParallelGroup;


abstract class NodeBase {
  abstract readonly nodeId: string;

  /** Runs `next` after this node (the seed's `a >> b`). */
  then(next: WorkflowNode): Chain {
    return chain(this as unknown as WorkflowNode, next);
  }
}

export type TaskFn<P, R> = (ctx: TaskContext<P>) => R | Promise<R>;

/** A registered task used directly: its node id is the task id. */
export class Task<P = undefined, R = unknown> extends NodeBase implements ResultRef<R> {
  declare readonly __result?: R;
  readonly params: P | undefined = undefined;

  constructor(
    readonly id: string,
    readonly fn: TaskFn<P, R>,
    readonly options: TaskOptionsSpec,
  ) {
    super();
  }

  get nodeId(): string {
    return this.id;
  }

  /** A task instance with its own id and `ctx.params`; how a group fans out over data. */
  bind(params: P, options: { id?: string } = {}): TaskInstance<P, R> {
    if (options.id !== undefined && (typeof options.id !== 'string' || options.id === '')) {
      throw new InvalidOptionError(`task('${this.id}').bind({ id })`, options.id, 'a non-empty string');
    }
    // The params every backend will see (the graph's canonical form); refused here if it cannot hold them.
    const carried = carryParams(this.id, params);
    return new TaskInstance(this, carried, options.id ?? instanceId(this.id, carried));
  }
}

export class TaskInstance<P = unknown, R = unknown> extends NodeBase implements ResultRef<R> {
  declare readonly __result?: R;

  constructor(
    readonly task: Task<P, R>,
    readonly params: P,
    readonly nodeId: string,
  ) {
    super();
  }
}

/** Members run in order. */
export class Chain extends NodeBase {
  readonly nodeId: string;

  constructor(readonly members: WorkflowNode[]) {
    super();
    this.nodeId = chainId(members.map((m) => m.nodeId));
  }
}

export interface GroupExecutionOptions {
  /** Where branches run. @defaultValue the run's queue backend */
  backend?: GroupBackend;
  /** When the group succeeds or fails. @defaultValue 'strict' */
  policy?: GroupPolicy;
  /** Fails the group with `GroupTimeoutError` and cancels what is left. @defaultValue none */
  timeoutMs?: number;
  /** Local backend: branches running at once. @defaultValue unlimited */
  concurrency?: number;
}

/** Resolved execution settings of a group (what the graph stores). */
export interface GroupExecution {
  backend?: GroupBackend;
  policy: PolicySpec;
  timeoutMs?: number;
  concurrency?: number;
}

/** Branches run concurrently and meet at a barrier (BSP). Immutable: methods return a copy. */
export class ParallelGroup extends NodeBase {
  readonly nodeId: string;

  constructor(
    readonly members: WorkflowNode[],
    readonly name: string | undefined = undefined,
    readonly execution: GroupExecution = { policy: 'strict' },
  ) {
    super();
    this.nodeId = name ?? groupId(members.map((m) => m.nodeId));
  }

  /** Sets the group's name, which is also its node id. */
  named(name: string): ParallelGroup {
    if (typeof name !== 'string' || name === '') throw new InvalidOptionError('group.named(name)', name, 'a non-empty string');
    return new ParallelGroup(this.members, name, this.execution);
  }

  withExecution(options: GroupExecutionOptions): ParallelGroup {
    return new ParallelGroup(this.members, this.name, resolveGroupExecution(this.nodeId, options, this.execution));
  }
}

/** Defaults and validation of `GroupExecutionOptions`, in one place. */
export function resolveGroupExecution(
  group: string,
  options: GroupExecutionOptions,
  base: GroupExecution = { policy: 'strict' },
): GroupExecution {
  const where = `group('${group}').withExecution`;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError(where, options, 'an object of options');
  assertKnownKeys(options, ['backend', 'policy', 'timeoutMs', 'concurrency'], where);
  const out: GroupExecution = { ...base };
  if (options.backend !== undefined) {
    if (options.backend !== 'local' && options.backend !== 'redis') {
      throw new InvalidOptionError(`${where}.backend`, options.backend, "'local' or 'redis'");
    }
    out.backend = options.backend;
  }
  if (options.policy !== undefined) out.policy = toPolicySpec(options.policy, where);
  // The timeout ends up in a timer (in-process) whose longest wait is MAX_TIMER_MS.
  if (options.timeoutMs !== undefined) out.timeoutMs = integerOption(`${where}.timeoutMs`, options.timeoutMs, 0, 1, MAX_TIMER_MS);
  if (options.concurrency !== undefined) out.concurrency = integerOption(`${where}.concurrency`, options.concurrency, 0, 1);
  if (out.concurrency !== undefined && out.backend === 'redis') {
    // Distributed branches run as fast as the worker fleet takes them; a limit here would be silently ignored.
    throw new InvalidOptionError(`${where}.concurrency`, out.concurrency, "nothing when backend is 'redis' (it limits in-process groups; size the worker fleet instead)");
  }
  return out;
}

/** Runs nodes in sequence (the seed's `a >> b >> c`). Nested chains are flattened. */
export function chain(...nodes: WorkflowNode[]): Chain {
  assertNodes('chain', nodes);
  return new Chain(nodes.flatMap((n) => (n instanceof Chain ? n.members : [n])));
}

/** Runs nodes as one parallel group (the seed's `a | b | c`). */
export function parallel(...nodes: WorkflowNode[]): ParallelGroup {
  assertNodes('parallel', nodes);
  return new ParallelGroup(nodes);
}

function assertNodes(fn: string, nodes: unknown[]): void {
  nodes.forEach((n, i) => {
    if (!(n instanceof NodeBase)) {
      throw new InvalidOptionError(`${fn}() argument ${i}`, typeof n === 'function' ? `[function ${(n as { name?: string }).name}]` : n, 'a task, task instance, chain or parallel group');
    }
  });
}
