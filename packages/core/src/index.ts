/**
 * Graflow core: define tasks, compose them in sequence and in parallel groups, and run the
 * workflow in-process or with its groups fanned out to a worker fleet through Redis.
 *
 * @example
 * ```ts
 * import { task, parallel, chain, workflow, connect, getRun, type TaskContext } from '@graflow/core';
 *
 * const extract = task('extract', () => [1, 2, 3]);
 * const square = task('square', (ctx: TaskContext<{ n: number }>) => ctx.params.n ** 2);
 * const total = task('total', async (ctx) => {
 *   const squares = await Promise.all([1, 2, 3].map((n) => ctx.getResult(square.bind({ n }))));
 *   return squares.reduce((a, b) => a + b, 0);
 * });
 * const etl = workflow('etl', () => chain(extract, parallel(...[1, 2, 3].map((n) => square.bind({ n }))), total));
 *
 * const { output } = await etl.run(); // 14, in-process
 *
 * // The same workflow on workers (`graflow-worker --tasks ./tasks.js`), through one client per process:
 * const graflow = await connect({ host: '127.0.0.1', port: 6379, keyPrefix: 'myapp-workflows' });
 * await etl.run({ client: graflow });
 *
 * // Durable: enqueue and walk away; follow, or cancel, from any process.
 * const handle = await etl.submit({ client: graflow });
 * for await (const event of getRun(handle.runId, { client: graflow }).events()) console.log(event.type);
 * const { output: total } = await handle.result();
 * await graflow.close();
 * ```
 *
 * The distributed building blocks (for the worker, the board and tools) are in `@graflow/core/redis`.
 */
export { task } from './authoring/task';
export { workflow, Workflow } from './authoring/workflow';
export { chain, parallel, Task, TaskInstance, Chain, ParallelGroup, resolveGroupExecution } from './authoring/nodes';
export type { WorkflowNode, ResultRef, TaskFn, GroupExecutionOptions, GroupExecution } from './authoring/nodes';
export { ExecutionContext } from './engine/execution-context';
export { connect } from './client';
export { getRun, RunHandle } from './run-handle';
export type { RunStatus } from './run-handle';
export type { RunEvent, RunEventType, RunEventBody, EventError } from './events/run-event';
export type { GraflowClient } from './client';
export { resolveClientOptions, CLIENT_OPTION_DEFAULTS } from './options/client-options';
export type { ClientOptions, ResolvedClientOptions } from './options/client-options';
export type { RunResult, ExecutionContextOptions } from './engine/execution-context';
export type { TaskContext, NextNode } from './engine/task-context';
export type { Channel, ChannelWriteOptions } from './channels/channel';
export { definePolicy, decidePolicy } from './policies/policy';
export type { CustomPolicy, GroupPolicy, PolicyState, PolicyDecision } from './policies/policy';
export { registeredTaskIds, unregisterTask } from './registry/task-registry';
export { buildGraph } from './graph/build-graph';
export type { Graph, GraphNode, TaskNode, ChainNode, GroupNode, PolicySpec, TaskOptionsSpec, GroupBackend } from './graph/types';
export { resolveTaskOptions, TASK_OPTION_DEFAULTS } from './options/task-options';
export type { TaskOptions } from './options/task-options';
export { resolveRunOptions, resolveRedisConfig, RUN_OPTION_DEFAULTS } from './options/run-options';
export type { RunOptions, SubmitOptions, GetRunOptions, RedisConfig, RedisTlsOptions, ResolvedRedisConfig, Backend } from './options/run-options';
export {
  GraflowError,
  isGraflowError,
  DuplicateTaskError,
  GraphDefinitionError,
  InvalidOptionError,
  UnknownTaskError,
  TaskTimeoutError,
  GroupTimeoutError,
  ParallelGroupError,
  CycleLimitExceededError,
  WorkflowCancelledError,
  GotoOutOfBranchError,
  ResultNotFoundError,
  GraflowConnectionError,
  RedisAccessError,
  NoWorkerActivityError,
  RunIdInUseError,
  BarrierGoneError,
  BranchStalledError,
  MalformedJobError,
  PayloadTooLargeError,
  UnsupportedValueError,
  describeThrown,
} from './errors';
export { RunNotFoundError, RunHandleClosedError, RunFailedError, RunJobFailedError, ClientClosedError, BranchRemovedError } from './errors/run-errors';
export {
  isDuplicateTaskError, isGraphDefinitionError, isInvalidOptionError, isUnknownTaskError, isTaskTimeoutError, isGroupTimeoutError,
  isParallelGroupError, isCycleLimitExceededError, isWorkflowCancelledError, isGotoOutOfBranchError, isResultNotFoundError,
  isGraflowConnectionError, isRedisAccessError, isNoWorkerActivityError, isRunIdInUseError, isBarrierGoneError, isBranchStalledError,
  isBranchRemovedError, isMalformedJobError, isPayloadTooLargeError, isUnsupportedValueError, isRunNotFoundError, isRunHandleClosedError,
  isRunFailedError, isRunJobFailedError, isClientClosedError,
} from './errors/guards';
export { RemoteError } from './errors/remote-error';
export type { BranchFailure, NoWorkerObservation } from './errors';
