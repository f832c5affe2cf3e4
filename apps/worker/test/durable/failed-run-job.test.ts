import { connect, getRun, isRunJobFailedError, RunHandleClosedError, RunJobFailedError, type GraflowClient } from '@graflow/core';
import { DEFAULT_QUEUE, RunKeys, runJobId } from '@graflow/core/redis';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { TaskWorker } from '@graflow/worker';
import * as fx from './fixtures/durable-tasks';

/**
 * A submitted run's job that BullMQ fails before the run records its ending must end the run
 * failed for its followers, not leave it `queued` or `running` for its whole TTL. Here the job
 * stalls more often than `maxStalledCount` allows (its workers vanish without releasing it), so
 * the next worker that fetches it fails it in BullMQ without ever running the run.
 */
describe('a run whose job failed without recording its ending', () => {
  const prefix = uniquePrefix('failed-run-job');
  const connection = { ...sharedRedis(), maxRetriesPerRequest: null };
  const redis = new IORedis(sharedRedis());
  let client: GraflowClient;
  let queue: Queue;
  const workers: Worker[] = [];
  let graflowWorker: TaskWorker | undefined;

  beforeAll(async () => {
    client = await connect({ ...sharedRedis(), keyPrefix: prefix });
    queue = new Queue(DEFAULT_QUEUE, { connection, prefix });
  });
  afterAll(async () => {
    await graflowWorker?.stop({ timeoutMs: 2_000 });
    await Promise.all(workers.map((w) => w.close(true)));
    await queue.close();
    await client.close();
    redis.disconnect();
  });

  /** The run's status as stored, read without any follower's help. */
  const storedStatus = (runId: string) => redis.hget(new RunKeys(prefix, runId).meta, 'status');
  const jobIdOf = async (runId: string) => runJobId(runId, (await redis.hget(new RunKeys(prefix, runId).meta, 'epoch'))!);

  /** A worker takes the next job and disappears without releasing it (its lock lapses). */
  async function vanishWithNextJob(): Promise<void> {
    let taken!: () => void;
    const tookJob = new Promise<void>((resolve) => (taken = resolve));
    const worker = new Worker(DEFAULT_QUEUE, () => {
      taken();
      return new Promise(() => undefined);
    }, { connection, prefix, lockDuration: 300, skipStalledCheck: true });
    worker.on('error', () => undefined);
    workers.push(worker);
    await tookJob;
    await worker.close(true);
  }

  test('result() rejects with RunJobFailedError and status() is failed; a queued run of the same prefix is untouched', async () => {
    const handle = await fx.chainWithGroup('lost').submit({ client });
    const jobId = await jobIdOf(handle.runId);
    // Stalled checks that allow one re-run.
    const checker = new Worker(DEFAULT_QUEUE, null, { connection, prefix, maxStalledCount: 1, stalledInterval: 100, lockDuration: 300 });
    checker.on('error', () => undefined);
    workers.push(checker);
    await checker.startStalledCheckTimer();
    for (let stall = 1; stall <= 2; stall++) {
      await vanishWithNextJob();
      await waitFor(async () => (await queue.getJobState(jobId)) === 'waiting', { timeoutMs: 5_000 });
    }
    // Not a Graflow worker so far: the run never began.
    expect(await handle.status()).toBe('queued');

    // A Graflow worker fetches it; BullMQ fails it for stalling too often, before the run starts.
    graflowWorker = new TaskWorker({ workerId: 'failed-run-job', redis: sharedRedis(), keyPrefix: prefix, concurrency: 1 });
    await graflowWorker.start();
    // The worker that failed it records the run failed, with nobody following the run.
    await waitFor(async () => (await storedStatus(handle.runId)) === 'failed', { timeoutMs: 5_000 });
    const error = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RunJobFailedError);
    expect(isRunJobFailedError(error)).toBe(true);
    expect((error as Error).message).toContain(`its job ${jobId} failed (job stalled more than allowable limit)`);
    expect(await handle.status()).toBe('failed');
    // Another follower sees the same ending.
    await expect(getRun(handle.runId, { client }).result()).rejects.toBeInstanceOf(RunJobFailedError);
    await graflowWorker.stop({ timeoutMs: 2_000 });
    graflowWorker = undefined;

    // A run of the same prefix whose job is merely waiting (no worker now) stays queued while followed.
    const queued = await fx.chainWithGroup('waiting').submit({ client });
    const pending = queued.result().catch((e: unknown) => e);
    await waitFor(async () => (await queued.status()) === 'queued', { timeoutMs: 1_000 });
    await queued.close();
    expect(await pending).toBeInstanceOf(RunHandleClosedError);
    expect(await getRun(queued.runId, { client }).status()).toBe('queued');
  }, 30_000);

  test('a follower ends the run when its job failed where no Graflow worker saw it', async () => {
    const handle = await fx.chainWithGroup('failed-elsewhere').submit({ client });
    const foreign = new Worker(DEFAULT_QUEUE, () => {
      throw new UnrecoverableError('removed by an operator script');
    }, { connection, prefix, skipStalledCheck: true });
    foreign.on('error', () => undefined);
    workers.push(foreign);
    const jobId = await jobIdOf(handle.runId);
    await waitFor(async () => (await queue.getJobState(jobId)) === 'failed', { timeoutMs: 5_000 });
    await foreign.close();
    expect(await storedStatus(handle.runId)).toBe('queued');
    await expect(handle.result()).rejects.toThrow(`its job ${jobId} failed (removed by an operator script)`);
    expect(await storedStatus(handle.runId)).toBe('failed');
  }, 30_000);
});
