/**
 * `@graflow/core/redis`: the distributed building blocks under the user API, for the worker
 * (`@graflow/worker`), the board and tools that read a namespace. Importing it loads bullmq and
 * ioredis; the root `@graflow/core` does not until a run uses Redis.
 *
 * @example
 * ```ts
 * import { CancelRegistry, RedisRuntime, createJobProcessor } from '@graflow/core/redis';
 * import { resolveRedisConfig } from '@graflow/core';
 * import { Worker } from 'bullmq';
 *
 * const runtime = await RedisRuntime.connect(resolveRedisConfig({ keyPrefix: 'myapp-workflows' }), { connectTimeoutMs: 5_000 });
 * const cancels = new CancelRegistry();
 * const processor = createJobProcessor({ runtime, cancels, shutdownSignal: new AbortController().signal });
 * new Worker('tasks', (job, token) => processor(job, token), { connection: runtime.redis, prefix: runtime.prefix });
 * ```
 */
export { RedisRuntime } from './distributed/redis-runtime';
export type { RuntimeSettings } from './distributed/redis-runtime';
export { Namespace } from './distributed/namespace';
export { MAX_SHARDS, hashSlotOfTag, runPrefixOf, shardConfigs, shardIndexOfRun, shardPrefixes } from './distributed/shards';
export { createJobProcessor } from './distributed/job-processor';
export { FLOW_CHUNK } from './distributed/flow-chunks';
export type { JobProcessorOptions, BranchInfo, RunJobInfo } from './distributed/job-processor';
export { CancelRegistry, GroupCancelledError } from './distributed/cancel';
export {
  DEFAULT_QUEUE, assertQueueName, RunKeys, cancelChannel, cancelKey, groupKeyOf, groupJobId, branchJobId, wakeChannel, workersKey,
  runCancelKey, runChannel, runJobId,
} from './distributed/keys';
export type { BarrierKeys } from './distributed/keys';
export { Barrier, RecordCode, parseDecisionSnapshot } from './distributed/barrier';
export type { BarrierMeta, BranchOutcome, RecordResult, Decision, DecisionSnapshot } from './distributed/barrier';
export { createRedisClient, connectChecked, redisAddress } from './distributed/connection';
export { parseJobData, jobDisplayName, JOB_PAYLOAD_VERSION } from './distributed/job-data';
export type { BranchJobData, GateJobData, GroupJobData, GroupTimeoutJobData, RunJobData, JobData, JobKind } from './distributed/job-data';
export { errorSummary, remoteError } from './distributed/outcomes';
export type { ErrorSummary } from './distributed/outcomes';
export { WorkerHeartbeat, QueueLiveness, HEARTBEAT_INTERVAL_MS, HEARTBEAT_STALE_MS } from './distributed/worker-heartbeat';
export { GraflowClient } from './distributed/producer/graflow-client';
export { claimRun } from './distributed/run-claim';
export { completeRun } from './distributed/run-job/finish-run';
export type { RunClaim } from './distributed/run-claim';
export { touchRun, keepRunAlive } from './distributed/run-keepalive';
export { endRunOfFailedJob } from './distributed/run-job/failed-run-job';
export { decodeValue, encodeValue } from './codec/value-codec';
export { integerOption } from './options/validate';
