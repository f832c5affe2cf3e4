import { chain, CycleLimitExceededError, GotoOutOfBranchError, parallel, ParallelGroupError, task, workflow, WorkflowCancelledError, type TaskContext } from '@graflow/core';
import type { HarnessFactory } from './harness';

export function controlFlowScenarios(harness: HarnessFactory): void {
  describe('control flow', () => {
    test('nextIteration loops with new params until done', async () => {
      const countdown = task('cf-count', (ctx: TaskContext<{ n: number }>) => {
        if (ctx.params.n > 0) ctx.nextIteration({ n: ctx.params.n - 1 });
        return { n: ctx.params.n, iteration: ctx.iteration };
      });
      const { output, results } = await harness().run(workflow('iter', () => chain(countdown.bind({ n: 4 }, { id: 'count' }))));
      expect(output).toEqual({ n: 0, iteration: 4 });
      expect(results.count).toEqual({ n: 0, iteration: 4 });
    });

    test('the cycle limit stops an endless loop', async () => {
      const forever = task('cf-forever', (ctx) => ctx.nextIteration(), { maxCycles: 5 });
      const err = await harness().run(workflow('endless', () => forever)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CycleLimitExceededError);
      expect((err as Error).message).toBe("node 'cf-forever' would run more than maxCycles=5 times");
    });

    test('goto jumps back to an earlier node of the same sequence', async () => {
      const start = task('cf-start', async (ctx) => ctx.channel.incr('visits'));
      const check = task('cf-check', async (ctx) => {
        const visits = await ctx.channel.get<number>('visits');
        if ((visits ?? 0) < 3) ctx.nextTask(start, { goto: true });
        return visits;
      });
      const after = task('cf-after', async (ctx) => `done after ${await ctx.getResult(check)}`);
      const { output } = await harness().run(workflow('goto', () => chain(start, check, after)));
      expect(output).toBe('done after 3');
    });

    test('nextTask runs a new task next, before the normal successor', async () => {
      const log = task('cf-log', async (ctx: TaskContext<{ m: string }>) => ctx.channel.append('log', ctx.params.m));
      const first = task('cf-first', async (ctx) => {
        await ctx.channel.append('log', 'first');
        ctx.nextTask(log.bind({ m: 'inserted' }));
      });
      const last = task('cf-last', async (ctx) => {
        await ctx.channel.append('log', 'last');
        return ctx.channel.get('log');
      });
      const { output } = await harness().run(workflow('next', () => chain(first, last)));
      expect(output).toEqual(['first', 'inserted', 'last']);
    });

    test('goto to a new task skips the normal successors', async () => {
      const detour = task('cf-detour', () => 'detour');
      const branchy = task('cf-branchy', (ctx) => ctx.nextTask(detour, { goto: true }));
      const skipped = task('cf-skipped', () => 'should not run');
      const { output, results } = await harness().run(workflow('detour', () => chain(branchy, skipped)));
      expect(output).toBe('detour');
      expect(results).not.toHaveProperty('cf-skipped');
    });

    test('a goto that would leave its parallel branch is rejected clearly', async () => {
      const head = task('cf-head', () => 'head');
      const escape = task('cf-escape', (ctx) => ctx.nextTask(head, { goto: true }));
      const other = task('cf-other', () => 'other');
      const err = (await harness().run(workflow('escape', () => chain(head, parallel(escape, other)))).catch((e: unknown) => e)) as ParallelGroupError;
      expect(err).toBeInstanceOf(ParallelGroupError);
      const cause = err.failed[0]!.error;
      expect(cause.name).toBe('GotoOutOfBranchError');
      expect(cause.message).toBe(new GotoOutOfBranchError('cf-escape', 'cf-head', 'cf-escape').message);
    });

    test('a goto within a branch loops inside that branch', async () => {
      const tick = task('cf-tick', async (ctx: TaskContext<{ k: string }>) => ctx.channel.incr(`ticks-${ctx.params.k}`));
      const again = task('cf-again', async (ctx: TaskContext<{ k: string }>) => {
        const n = await ctx.channel.get<number>(`ticks-${ctx.params.k}`);
        if ((n ?? 0) < 2) ctx.nextTask(ticker(ctx.params.k), { goto: true });
        return n;
      });
      const ticker = (k: string) => tick.bind({ k }, { id: `tick-${k}` });
      const arm = (k: string) => chain(ticker(k), again.bind({ k }, { id: `again-${k}` }));
      const { output } = await harness().run(workflow('inner-goto', () => parallel(arm('a'), arm('b'))));
      expect(Object.values(output as Record<string, number>)).toEqual([2, 2]);
    });

    test('terminate ends the workflow successfully after the current task', async () => {
      const stop = task('cf-stop', (ctx) => {
        ctx.terminate('enough');
        return 'stopped here';
      });
      const never = task('cf-never', () => 'never');
      const { output, results } = await harness().run(workflow('term', () => chain(stop, never)));
      expect(output).toBe('stopped here');
      expect(results).toEqual({ 'cf-stop': 'stopped here' });
    });

    test('terminate inside a group branch stops the run after the group', async () => {
      const stopper = task('cf-branch-stop', (ctx) => {
        ctx.terminate();
        return 's';
      });
      const peer = task('cf-peer', () => 'p');
      const after = task('cf-after-group', () => 'never');
      const { results } = await harness().run(workflow('term-g', () => chain(parallel(stopper, peer), after)));
      expect(results).not.toHaveProperty('cf-after-group');
    });

    test('cancel rejects the run with WorkflowCancelledError', async () => {
      const quit = task('cf-cancel', (ctx) => ctx.cancel('user asked'));
      const never = task('cf-never2', () => 'never');
      const err = await harness().run(workflow('cancel', () => chain(quit, never))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowCancelledError);
      expect((err as Error).message).toBe('workflow cancelled: user asked');
    });

    test('cancel inside a group branch cancels the whole run', async () => {
      const quit = task('cf-cancel-branch', (ctx) => ctx.cancel('stop all'));
      const peer = task('cf-peer2', () => 'p');
      const err = await harness().run(workflow('cancel-g', () => parallel(quit, peer))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowCancelledError);
    });
  });
}
