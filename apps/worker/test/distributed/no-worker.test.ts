import { NoWorkerActivityError, parallel, task, workflow, type TaskContext } from '@graflow/core';
import { sharedRedis, uniquePrefix } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';

const ping = task('nw-ping', (ctx: TaskContext<number>) => ctx.taskId);
const wf = workflow('nw', () => parallel(ping.bind(1, { id: 'p1' }), ping.bind(2, { id: 'p2' })).named('nw-group'));

// The verdict rests on what workers announce under the prefix and database the producer uses,
// never on CLIENT LIST (which sees every database and is often forbidden to ACL users).
describe('the no-worker watchdog', () => {
  test('workers on db 0, producer on db 1: the run fails naming the database, instead of hanging', async () => {
    const prefix = uniquePrefix('nw-db');
    const worker = new TaskWorker({ redis: sharedRedis(), keyPrefix: prefix });
    await worker.start();
    try {
      const err = await wf.run({ queueBackend: 'redis', config: { ...sharedRedis(), db: 1, keyPrefix: prefix }, noWorkerTimeoutMs: 600 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NoWorkerActivityError);
      expect((err as Error).message).toContain(`no worker has ever served queue 'tasks' under key prefix '${prefix}' in database 1`);
    } finally {
      await worker.stop({ timeoutMs: 1_000 });
    }
  });

  test('says workers were seen and are gone when they were, and never seen when not', async () => {
    const prefix = uniquePrefix('nw-gone');
    const worker = new TaskWorker({ redis: sharedRedis(), keyPrefix: prefix, workerId: 'nw-first' });
    await worker.start();
    const config = { ...sharedRedis(), keyPrefix: prefix };
    expect((await wf.run({ queueBackend: 'redis', config })).output).toEqual({ p1: 'p1', p2: 'p2' });
    await worker.stop({ timeoutMs: 1_000 });
    const gone = await wf.run({ queueBackend: 'redis', config, noWorkerTimeoutMs: 600 }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(NoWorkerActivityError);
    expect((gone as Error).message).toMatch(/workers served it before \(last seen: nw-first, \d+ s ago\) and are gone/);

    const never = await wf.run({ queueBackend: 'redis', config: { ...config, keyPrefix: `${prefix}-other` }, noWorkerTimeoutMs: 600 }).catch((e: unknown) => e);
    expect((never as Error).message).toContain(`no worker has ever served queue 'tasks' under key prefix '${prefix}-other'; start workers with --redis-key-prefix ${prefix}-other`);
  });

  test('a busy fleet is not "no worker": a group queued behind others waits past the window and succeeds', async () => {
    const prefix = uniquePrefix('nw-busy');
    const slow = task('nw-slow', async (_ctx: TaskContext<number>) => {
      await new Promise((r) => setTimeout(r, 1_200));
      return 'done';
    });
    const worker = new TaskWorker({ redis: sharedRedis(), keyPrefix: prefix, concurrency: 1 });
    await worker.start();
    try {
      const busy = workflow('nw-busy', () => parallel(slow.bind(1, { id: 's1' }), slow.bind(2, { id: 's2' })).named('busy'));
      // Concurrency 1: the second branch waits ~1.2 s in the queue, longer than the 500 ms window.
      const { output } = await busy.run({ queueBackend: 'redis', config: { ...sharedRedis(), keyPrefix: prefix }, noWorkerTimeoutMs: 500 });
      expect(output).toEqual({ s1: 'done', s2: 'done' });
    } finally {
      await worker.stop({ timeoutMs: 1_000 });
    }
  });
});
