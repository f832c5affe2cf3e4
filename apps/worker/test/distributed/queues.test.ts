import { chain, GraphDefinitionError, NoWorkerActivityError, parallel, task, workflow, type TaskContext } from '@graflow/core';
import { sharedRedis, uniquePrefix } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';

// Specialized worker pools (the seed's GPU / I/O / compute workers): a task names a queue, its
// branch is enqueued there, and only workers serving that queue run it.
const embed = task('q-embed', (ctx: TaskContext<{ n: number }>) => ctx.params.n * 10, { queue: 'gpu' });
const parse = task('q-parse', (ctx: TaskContext<{ n: number }>) => ctx.params.n + 1);

describe('worker pools by queue', () => {
  test('branches run only on workers serving their queue; groups still close', async () => {
    const prefix = uniquePrefix('pools');
    const general = new TaskWorker({ workerId: 'general', redis: sharedRedis(), keyPrefix: prefix });
    const gpu = new TaskWorker({ workerId: 'gpu', redis: sharedRedis(), keyPrefix: prefix, queues: ['gpu'] });
    await Promise.all([general.start(), gpu.start()]);
    try {
      const wf = workflow('pools', () =>
        parallel(...[1, 2, 3].map((n) => embed.bind({ n }, { id: `embed-${n}` })), ...[1, 2].map((n) => parse.bind({ n }, { id: `parse-${n}` }))),
      );
      const { output } = await wf.run({ queueBackend: 'redis', config: { ...sharedRedis(), keyPrefix: prefix } });
      expect(output).toEqual({ 'embed-1': 10, 'embed-2': 20, 'embed-3': 30, 'parse-1': 2, 'parse-2': 3 });
      expect(gpu.metrics.tasksProcessed).toBe(3);
      expect(general.metrics.tasksProcessed).toBe(2);
    } finally {
      await Promise.all([general.stop({ timeoutMs: 2_000 }), gpu.stop({ timeoutMs: 2_000 })]);
    }
  });

  test('a queue no worker serves fails the run, naming the queue', async () => {
    const prefix = uniquePrefix('unserved');
    const general = new TaskWorker({ workerId: 'general-only', redis: sharedRedis(), keyPrefix: prefix });
    await general.start();
    try {
      const wf = workflow('unserved', () => parallel(embed.bind({ n: 1 }, { id: 'e1' }), parse.bind({ n: 1 }, { id: 'p1' })));
      const err = await wf.run({ queueBackend: 'redis', config: { ...sharedRedis(), keyPrefix: prefix }, noWorkerTimeoutMs: 400 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NoWorkerActivityError);
      expect((err as Error).message).toContain(`no worker has ever served queue 'gpu' under key prefix '${prefix}'`);
      expect((err as Error).message).toContain('--queues gpu');
    } finally {
      await general.stop({ timeoutMs: 2_000 });
    }
  });

  test('a branch that mixes queues is refused before anything is enqueued', async () => {
    const prefix = uniquePrefix('mixed');
    const wf = workflow('mixed', () => parallel(chain(parse.bind({ n: 1 }, { id: 'p' }), embed.bind({ n: 1 }, { id: 'e' })), parse.bind({ n: 2 }, { id: 'p2' })));
    const err = await wf.run({ queueBackend: 'redis', config: { ...sharedRedis(), keyPrefix: prefix } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphDefinitionError);
    expect((err as Error).message).toMatch(/^branch 'chain#[0-9a-f]{8}' mixes task queues 'gpu', 'tasks'; a branch runs on one worker/);
  });

  test('the queue option is validated and runs in-process as before', async () => {
    expect(() => task('q-bad', () => 1, { queue: 'has:colon' })).toThrow("invalid option task('q-bad').queue: got 'has:colon', expected a queue name");
    const { output } = await workflow('local-pools', () => parallel(embed.bind({ n: 4 }, { id: 'e4' }))).run();
    expect(output).toEqual({ e4: 40 });
  });
});
