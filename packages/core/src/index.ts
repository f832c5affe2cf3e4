/**
 * Graflow core: define tasks, compose them in sequence and in parallel groups, and run the
 * workflow in-process or with its groups fanned out to a worker fleet through Redis.
 *
 * @example
 * ```ts
 * import { task, parallel, chain, workflow, type TaskContext } from '@graflow/core';
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
 * // The same workflow on workers: etl.run({ queueBackend: 'redis', config: { host, port, keyPrefix } })
 * ```
 */
export { task } from './authoring/task';
export { workflow, Workflow } from './authoring/workflow';
export { chain, parallel, Task, TaskInstance, Chain, ParallelGroup, resolveGroupExecution } from './authoring/nodes';
export type { WorkflowNode, ResultRef, TaskFn, GroupExecutionOptions, GroupExecution } from './authoring/nodes';
export { ExecutionContext } from './engine/execution-context';
export type { RunResult, ExecutionContextOptions } from './engine/execution-context';
export type { TaskContext } from './engine/task-context';
export type { Channel, ChannelWriteOptions } from './channels/channel';
export { definePolicy, decidePolicy } from './policies/policy';
export type { CustomPolicy, GroupPolicy, PolicyState, PolicyDecision } from './policies/policy';
export { registeredTaskIds, unregisterTask } from './registry/task-registry';
export { buildGraph } from './graph/build-graph';
export type { Graph, GraphNode, TaskNode, ChainNode, GroupNode, PolicySpec, TaskOptionsSpec, GroupBackend } from './graph/types';
export { resolveTaskOptions, TASK_OPTION_DEFAULTS } from './options/task-options';
export type { TaskOptions } from './options/task-options';
export { resolveRunOptions, resolveRedisConfig, RUN_OPTION_DEFAULTS } from './options/run-options';
export type { RunOptions, RedisConfig, ResolvedRedisConfig, Backend } from './options/run-options';
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
  NoWorkerActivityError,
  MalformedJobError,
  PayloadTooLargeError,
} from './errors';
export type { BranchFailure } from './errors';
// The distributed runtime, for the worker app and tools built on it.
export { RedisRuntime } from './distributed/redis-runtime';
export { createJobProcessor } from './distributed/job-processor';
export type { JobProcessorOptions } from './distributed/job-processor';
export { CancelRegistry, GroupCancelledError } from './distributed/cancel';
export { DEFAULT_QUEUE, QUEUE_NAME, assertQueueName, RunKeys, cancelChannel, cancelKey, groupKeyOf, groupJobId, branchJobId } from './distributed/keys';
export { Barrier, RecordCode } from './distributed/barrier';
export { createRedisClient, connectChecked, redisAddress } from './distributed/connection';
export { parseJobData, jobDisplayName, JOB_PAYLOAD_VERSION } from './distributed/job-data';
export { decodeValue } from './codec/value-codec';
export type { BranchJobData, GroupJobData, GroupTimeoutJobData, JobData, JobKind } from './distributed/job-data';
