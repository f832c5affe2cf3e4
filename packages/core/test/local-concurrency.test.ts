import { parallel, task, workflow, type TaskContext } from '@graflow/core';

test('a local group runs at most `concurrency` branches at once, and still runs them all', async () => {
  let running = 0;
  let peak = 0;
  const job = task('lc-job', async (ctx: TaskContext<{ i: number }>) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 5));
    running--;
    return ctx.params.i;
  });
  const wf = workflow('lc', () => parallel(...Array.from({ length: 12 }, (_, i) => job.bind({ i }))).withExecution({ concurrency: 3 }));
  const { output } = await wf.run();
  expect(Object.values(output as Record<string, number>).sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
  expect(peak).toBe(3);
});
