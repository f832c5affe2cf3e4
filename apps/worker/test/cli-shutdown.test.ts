import { parallel } from '@graflow/core';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { killSpawned } from './fixtures/cli';
import { sleepy } from './fixtures/tasks';
import { FAST_RECOVERY, runDistributed, sleepers, spawnWorker } from './fixtures/worker';

afterEach(killSpawned);

describe('graflow-worker signals (spawned)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s lets 4 in-flight 2-second tasks finish, then exits 0 with every result delivered', async (signal) => {
    const prefix = uniquePrefix(`drain-${signal}`);
    const worker = await spawnWorker(sharedRedis(), prefix, ['--concurrency', '4', '--graceful-shutdown-timeout', '30']);
    const run = runDistributed(prefix, () => sleepers(2_000, [1, 2, 3, 4]));
    await worker.waitForActive(4);
    worker.proc.signal(signal);
    await waitFor(async () => (await worker.status('/readyz')) === 503, { what: '/readyz 503 while draining' });
    expect(await worker.status('/healthz')).toBe(200);

    const result = await run;
    expect(result.results).toEqual({ s1: 1, s2: 2, s3: 3, s4: 4 });
    expect(await worker.proc.waitForExit()).toEqual({ code: 0, signal: null });
    expect(worker.proc.logs().find((r) => r.msg === 'final counters')).toMatchObject({
      tasksProcessed: 4, tasksSucceeded: 4, tasksFailed: 0, activeTasks: 0,
    });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s past the deadline exits non-zero, and a second worker completes the tasks', async (signal) => {
    const prefix = uniquePrefix(`deadline-${signal}`);
    const first = await spawnWorker(sharedRedis(), prefix, ['--concurrency', '2', '--graceful-shutdown-timeout', '0.5', ...FAST_RECOVERY]);
    const run = runDistributed(prefix, () => sleepers(4_000, [1, 2]));
    await first.waitForActive(2);
    const signalled = Date.now();
    first.proc.signal(signal);
    const exit = await first.proc.waitForExit();
    expect(exit.code).toBe(1);
    expect(Date.now() - signalled).toBeLessThan(3_500); // at the deadline, not after the 4 s tasks
    expect(first.proc.logs().some((r) => r.level === 'warn' && /deadline passed/.test(r.msg))).toBe(true);

    await spawnWorker(sharedRedis(), prefix, FAST_RECOVERY);
    const result = await run;
    expect(result.results).toEqual({ s1: 1, s2: 2 });
  });

  it('a second signal forces an immediate non-zero exit; the jobs are still completed elsewhere', async () => {
    const prefix = uniquePrefix('force');
    const first = await spawnWorker(sharedRedis(), prefix, ['--concurrency', '2', '--graceful-shutdown-timeout', '60', ...FAST_RECOVERY]);
    const run = runDistributed(prefix, () => sleepers(5_000, [1, 2]));
    await first.waitForActive(2);
    first.proc.signal('SIGTERM');
    await first.proc.waitForLog('shutting down: finishing in-flight tasks');
    const second = Date.now();
    first.proc.signal('SIGTERM');
    expect(await first.proc.waitForExit()).toEqual({ code: 143, signal: null });
    expect(Date.now() - second).toBeLessThan(2_500);

    await spawnWorker(sharedRedis(), prefix, FAST_RECOVERY);
    expect((await run).results).toEqual({ s1: 1, s2: 2 });
  });

  it('SIGKILL mid-task: another worker re-runs only the unfinished branch, counted once', async () => {
    const prefix = uniquePrefix('sigkill');
    const first = await spawnWorker(sharedRedis(), prefix, ['--concurrency', '4', ...FAST_RECOVERY]);
    const run = runDistributed(prefix, () =>
      parallel(...[1, 2, 3].map((value) => sleepy.bind({ ms: 50, value }, { id: `s${value}` })), sleepy.bind({ ms: 4_000, value: 100 }, { id: 'slow' })),
    );
    await waitFor(async () => (await first.metric('graflow_tasks_total', { status: 'succeeded' })) === 3, { what: 'the quick branches' });
    await first.waitForActive(1);
    first.proc.signal('SIGKILL');
    expect(await first.proc.waitForExit()).toEqual({ code: null, signal: 'SIGKILL' });

    const second = await spawnWorker(sharedRedis(), prefix, FAST_RECOVERY);
    const result = await run;
    expect(result.results).toEqual({ s1: 1, s2: 2, s3: 3, slow: 100 });
    expect(Object.values(result.results as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(106);
    // The second worker ran exactly the killed branch, once.
    expect(await second.metric('graflow_tasks_total', { status: 'succeeded' })).toBe(1);
    expect(await second.metric('graflow_tasks_total', { status: 'failed' })).toBe(0);
  });
});
