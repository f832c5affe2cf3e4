import { parallel } from '@graflow/core';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { killSpawned } from './fixtures/cli';
import { sleepy } from './fixtures/tasks';
import { FAST_RECOVERY, runDistributed, sleepers, spawnWorker } from './fixtures/worker';

afterEach(killSpawned);

/** The messages a process logged, in order. */
const messages = (proc: { logs(): { msg: string }[] }) => proc.logs().map((r) => r.msg);

describe('graflow-worker signals (spawned)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s lets 4 in-flight 2-second tasks finish, then exits 0 with every result delivered', async (signal) => {
    const prefix = uniquePrefix(`drain-${signal}`);
    // Default flags: 4 at once, 30 s to drain.
    const worker = await spawnWorker(sharedRedis(), prefix);
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
    // The exit came after every in-flight task finished, and with no deadline passing.
    const log = messages(worker.proc);
    const signalled = log.indexOf('shutting down: finishing in-flight tasks');
    expect(log.slice(signalled).filter((m) => m === 'branch succeeded')).toHaveLength(4);
    expect(log.lastIndexOf('branch succeeded')).toBeLessThan(log.indexOf('stopped cleanly'));
    expect(log.some((m) => /deadline/.test(m))).toBe(false);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s past the deadline exits non-zero, and a second worker completes the tasks', async (signal) => {
    const prefix = uniquePrefix(`deadline-${signal}`);
    const first = await spawnWorker(sharedRedis(), prefix, ['--concurrency', '2', '--graceful-shutdown-timeout', '0.5', ...FAST_RECOVERY]);
    const run = runDistributed(prefix, () => sleepers(4_000, [1, 2]));
    await first.waitForActive(2);
    first.proc.signal(signal);
    const exit = await first.proc.waitForExit();
    expect(exit.code).toBe(1);
    // At the deadline, not after the 4 s tasks: the signal, then the deadline and the abort, then
    // the exit; no task of this worker ever finished.
    const log = messages(first.proc);
    const signalled = log.indexOf('shutting down: finishing in-flight tasks');
    const deadline = log.indexOf('shutdown deadline passed; aborting in-flight tasks');
    expect(signalled).toBeGreaterThan(-1);
    expect(deadline).toBeGreaterThan(signalled);
    expect(log.at(-1)).toBe('shutdown deadline passed: in-flight tasks were aborted and will be re-run by another worker');
    expect(log).not.toContain('branch succeeded');

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
    first.proc.signal('SIGTERM');
    expect(await first.proc.waitForExit()).toEqual({ code: 143, signal: null });
    // Forced at once: after the second signal, before the 5 s tasks finished and long before the
    // 60 s deadline.
    const log = messages(first.proc);
    expect(log.at(-1)).toBe('second signal: forcing exit');
    expect(log).not.toContain('branch succeeded');
    expect(log.some((m) => /deadline|stopped cleanly/.test(m))).toBe(false);

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
