import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { InvalidOptionError, parallel, ParallelGroupError } from '@graflow/core';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { resolveTaskWorkerOptions, TASK_WORKER_DEFAULTS } from '../src/task-worker-options';
import { killSpawned } from './fixtures/cli';
import { sleepy } from './fixtures/tasks';
import { FAST_RECOVERY, runDistributed, spawnWorker } from './fixtures/worker';

afterEach(killSpawned);

/** One branch that returns a string of `bytes` characters. */
const bigValue = (bytes: number) => parallel(sleepy.bind({ ms: 0, value: 'x'.repeat(bytes) }, { id: 'big' }));

describe('TaskWorker options: redelivery limit and payload ceiling', () => {
  it('defaults maxStalledCount to 3 and leaves the payload limit to each job', () => {
    const resolved = resolveTaskWorkerOptions({}, 'w');
    expect(resolved.maxStalledCount).toBe(3);
    expect(resolved).not.toHaveProperty('maxPayloadBytes');
    expect(resolveTaskWorkerOptions({ maxStalledCount: 1, maxPayloadBytes: 4096 }, 'w')).toMatchObject({ maxStalledCount: 1, maxPayloadBytes: 4096 });
  });

  it.each([
    [{ maxStalledCount: 0 }, 'invalid option maxStalledCount: got 0, expected an integer >= 1'],
    [{ maxStalledCount: 1.5 }, 'invalid option maxStalledCount: got 1.5'],
    [{ maxPayloadBytes: 0 }, 'invalid option maxPayloadBytes: got 0, expected an integer >= 1'],
    [{ maxStaledCount: 2 }, 'invalid option maxStaledCount: got 2, expected one of'],
  ])('refuses %j naming the option and the value', (options, message) => {
    expect(() => resolveTaskWorkerOptions(options as never, 'w')).toThrow(InvalidOptionError);
    expect(() => resolveTaskWorkerOptions(options as never, 'w')).toThrow(message);
  });

  it('documents the defaults it applies (the TSDoc @defaultValue of each option equals TASK_WORKER_DEFAULTS)', () => {
    const api = readFileSync(join(__dirname, '..', 'src', 'task-worker-api.ts'), 'utf8');
    for (const [option, value] of Object.entries(TASK_WORKER_DEFAULTS)) {
      const doc = new RegExp(`@defaultValue ([^\\n*]+?)\\s*(?:\\*/)?\\n(?:\\s*\\*/\\n)?\\s*${option}\\?:`).exec(api);
      expect([option, doc?.[1]]).toEqual([option, typeof value === 'string' ? `'${value}'` : String(value)]);
    }
  });
});

describe('graflow-worker --max-payload-bytes (spawned)', () => {
  it("without it the producer's limit applies; with it (flag or variable) the lower limit fails the branch, naming it", async () => {
    const prefix = uniquePrefix('ceiling');
    const plain = await spawnWorker(sharedRedis(), prefix);
    expect((await runDistributed(prefix, () => bigValue(5_000))).results).toEqual({ big: 'x'.repeat(5_000) });
    plain.proc.signal('SIGTERM');
    await plain.proc.waitForExit();

    for (const [args, env] of [[['--max-payload-bytes', '1000'], {}], [[], { GRAFLOW_MAX_PAYLOAD_BYTES: '1000' }]] as const) {
      const capped = await spawnWorker(sharedRedis(), prefix, [...args], { env });
      expect(capped.proc.logs().find((r) => r.msg === 'graflow-worker running')).toMatchObject({ maxPayloadBytes: 1000 });
      const err = (await runDistributed(prefix, () => bigValue(5_000)).catch((e: unknown) => e)) as ParallelGroupError;
      expect(err).toBeInstanceOf(ParallelGroupError);
      expect(err.failed.map((f) => [f.taskId, f.error.name])).toEqual([['big', 'PayloadTooLargeError']]);
      expect(err.failed[0]!.error.message).toMatch(/^result of 'big' is 500\d bytes, over the configured limit maxPayloadBytes=1000$/);
      capped.proc.signal('SIGTERM');
      await capped.proc.waitForExit();
    }
  });
});

describe('graflow-worker --max-stalled-count (spawned)', () => {
  it('a branch whose workers died more often than the limit fails as stalled instead of going to a third worker', async () => {
    const prefix = uniquePrefix('stalled');
    const queue = new Queue('tasks', { connection: sharedRedis(), prefix });
    try {
      const run = runDistributed(prefix, () => parallel(sleepy.bind({ ms: 120_000, value: 1 }, { id: 'doomed' })), sharedRedis(), { noWorkerTimeoutMs: 3_000 });
      // Two workers in turn take the branch and die with it: the second one re-ran it (one stall).
      for (const limit of [['--max-stalled-count', '1'], ['--max-stalled-count', '1']]) {
        const worker = await spawnWorker(sharedRedis(), prefix, [...FAST_RECOVERY, ...limit]);
        await worker.waitForActive(1);
        worker.proc.signal('SIGKILL');
        await worker.proc.waitForExit();
      }
      // The third worker finds the second stall, over its limit (from the variable): the branch fails.
      const third = await spawnWorker(sharedRedis(), prefix, FAST_RECOVERY, { env: { GRAFLOW_MAX_STALLED_COUNT: '1' } });
      const failed = await waitFor(async () => (await queue.getFailed()).find((job) => job.data.kind === 'branch'), { timeoutMs: 20_000, what: 'the branch to fail as stalled' });
      expect(failed.failedReason).toBe('job stalled more than allowable limit');
      expect(await third.metric('graflow_tasks_total', { status: 'succeeded' })).toBe(0);
      expect(await third.metric('graflow_worker_active_tasks')).toBe(0);
      // The producer learns it as a named error that says what happened and what to change.
      const err = (await run.then(() => undefined, (e: unknown) => e)) as ParallelGroupError;
      expect(err).toBeInstanceOf(ParallelGroupError);
      expect(err.failed.map((f) => [f.taskId, f.error.name])).toEqual([['doomed', 'BranchStalledError']]);
      expect(err.failed[0]!.error.message).toMatch(/^branch 'doomed' was abandoned by its worker more often than maxStalledCount allows .*raise --max-stalled-count \(GRAFLOW_MAX_STALLED_COUNT\)$/);
      third.proc.signal('SIGTERM');
      await third.proc.waitForExit();
    } finally {
      await queue.close();
    }
  });
});
