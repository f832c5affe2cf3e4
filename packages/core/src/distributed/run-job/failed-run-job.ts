import { Job } from 'bullmq';
import { RunJobFailedError } from '../../errors/run-errors';
import { runJobId } from '../keys';
import type { RedisRuntime } from '../redis-runtime';
import { finishRun } from './finish-run';
import { runLimitsOf } from './run-meta';

/**
 * Ends a submitted run whose job BullMQ failed before the run recorded its ending (a worker died
 * running it more often than `maxStalledCount` allows, or the job failed outside the run's own
 * error handling): without this, the run would stay `queued` or `running` for its whole TTL and
 * every follower would wait for an ending that cannot come. The run is recorded failed with
 * `RunJobFailedError`; the first ending wins (run-finish), so a worker recording at the same
 * moment is not overwritten. A run without a job (started by `run()`) is left alone. True when
 * this call found the job failed.
 */
export async function endRunOfFailedJob(runtime: RedisRuntime, runId: string): Promise<boolean> {
  const keys = runtime.keys(runId);
  const [status, epoch, ttl, events] = await runtime.redis.hmget(keys.meta, 'status', 'epoch', 'ttl', 'events');
  if ((status !== 'queued' && status !== 'running') || !epoch) return false;
  const jobId = runJobId(runId, epoch);
  const job = await Job.fromId(runtime.queue, jobId);
  if (!job || (await job.getState()) !== 'failed') return false;
  const error = new RunJobFailedError(runId, jobId, job.failedReason ?? '');
  await finishRun(runtime, { runId, limits: runLimitsOf(ttl ?? null), events: events === '1' }, { status: 'failed', error });
  return true;
}
