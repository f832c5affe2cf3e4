import { parallel, ParallelGroupError, task, workflow, type TaskContext } from '@graflow/core';
import { sleepUnlessAborted } from '@graflow/testing';
import { withWorkers } from './redis-harness';

// A run whose id starts with "bad-" fails its third branch at once; every other branch (and every
// other run) sleeps long enough to still be running when that failure is decided.
const slow = task('iso-slow', async (ctx: TaskContext<{ ms: number }>) => {
  const how = await sleepUnlessAborted(ctx.params.ms, ctx.signal);
  if (how === 'aborted') throw ctx.signal.reason;
  return `${ctx.runId}:${ctx.taskId}`;
});
const maybeFail = task('iso-maybe-fail', async (ctx: TaskContext<{ ms: number }>) => {
  if (ctx.runId.startsWith('bad-')) throw new Error(`planned failure in ${ctx.runId}`);
  await sleepUnlessAborted(ctx.params.ms, ctx.signal);
  return `${ctx.runId}:${ctx.taskId}`;
});

const wf = workflow('iso', () =>
  parallel(slow.bind({ ms: 800 }, { id: 'a' }), slow.bind({ ms: 800 }, { id: 'b' }), maybeFail.bind({ ms: 800 }, { id: 'c' })).named('iso-group'),
);

describe('concurrent runs of one workflow under one prefix', () => {
  test('a run whose group fails cancels none of the other runs (1 failing + 3 healthy)', async () => {
    const h = await withWorkers('iso', 2, { concurrency: 12 });
    try {
      const good = ['good-1', 'good-2', 'good-3'];
      const runs = [h.run(wf, { runId: 'bad-1' }), ...good.map((runId) => h.run(wf, { runId }))];
      const [bad, ...oks] = await Promise.allSettled(runs);
      expect(bad!.status).toBe('rejected');
      const reason = (bad as PromiseRejectedResult).reason as ParallelGroupError;
      expect(reason).toBeInstanceOf(ParallelGroupError);
      expect(reason.failed.map((f) => f.taskId)).toEqual(['c']);
      oks.forEach((settled, i) => {
        expect(settled.status).toBe('fulfilled');
        const { output } = (settled as PromiseFulfilledResult<{ output: Record<string, string> }>).value;
        expect(output).toEqual({ a: `${good[i]}:a`, b: `${good[i]}:b`, c: `${good[i]}:c` });
      });
    } finally {
      await h.close();
    }
  });
});
