import { GroupTimeoutError, parallel, ParallelGroupError, task, TaskTimeoutError, workflow, chain } from '@graflow/core';
import { waitFor } from '@graflow/testing';
import { sleepUnlessAborted, type HarnessFactory } from './harness';

export function retryTimeoutScenarios(harness: HarnessFactory): void {
  describe('retries and timeouts', () => {
    test('a task is retried with its count and ctx.attempt counts up', async () => {
      const attempts: number[] = [];
      const flaky = task('rt-flaky', (ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} failed`);
        return 'ok';
      }, { retries: 2 });
      const { output } = await harness().run(workflow('retry', () => chain(flaky)));
      expect(output).toBe('ok');
      expect(attempts).toEqual([1, 2, 3]);
    });

    test('exhausted retries fail the task with its last error', async () => {
      let calls = 0;
      const never = task('rt-never', () => {
        calls++;
        throw new Error('still broken');
      }, { retries: { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } } });
      await expect(harness().run(workflow('exhaust', () => never))).rejects.toThrow('still broken');
      expect(calls).toBe(2);
    });

    test('retries in a group branch: only the final outcome reaches the barrier', async () => {
      const seen: number[] = [];
      const flaky = task('rt-branch', (ctx) => {
        seen.push(ctx.attempt);
        if (ctx.attempt === 1) throw new Error('first try fails');
        return ctx.attempt;
      }, { retries: { attempts: 3, backoff: { type: 'fixed', delayMs: 20 } } });
      const steady = task('rt-steady', () => 'steady');
      const { output } = await harness().run(workflow('rt-group', () => parallel(flaky, steady)));
      expect(output).toEqual({ 'rt-branch': 2, 'rt-steady': 'steady' });
      expect(seen).toEqual([1, 2]);
    });

    test('exponential backoff doubles the wait between attempts', async () => {
      const at: number[] = [];
      const slowStart = task('rt-exp', (ctx) => {
        at.push(Date.now());
        if (ctx.attempt < 3) throw new Error('not yet');
        return ctx.attempt;
      }, { retries: { attempts: 3, backoff: { type: 'exponential', delayMs: 100 } } });
      await expect(harness().run(workflow('exp', () => parallel(slowStart, task('rt-exp-peer', () => 1))))).resolves.toBeDefined();
      expect(at).toHaveLength(3);
      // Lower bounds only: a loaded machine may wait longer, never shorter.
      expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(95);
      expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(195);
    });

    test('a task timeout fires the signal and fails with TaskTimeoutError', async () => {
      const observed: string[] = [];
      const stuck = task('rt-stuck', async (ctx) => {
        observed.push(await sleepUnlessAborted(10_000, ctx.signal));
        return 'late';
      }, { timeoutMs: 200 });
      const err = await harness().run(workflow('tmo', () => stuck)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskTimeoutError);
      expect((err as Error).message).toContain("task 'rt-stuck' timed out after 200 ms");
      await waitFor(() => observed.length === 1, { timeoutMs: 2_000 });
      expect(observed).toEqual(['aborted']);
    });

    test('a task timeout inside a group is reported as that branch failing', async () => {
      const stuck = task('rt-stuck-branch', (ctx) => sleepUnlessAborted(10_000, ctx.signal), { timeoutMs: 150 });
      const quick = task('rt-quick', () => 'q');
      const err = (await harness().run(workflow('tmo-g', () => parallel(stuck, quick))).catch((e: unknown) => e)) as ParallelGroupError;
      expect(err).toBeInstanceOf(ParallelGroupError);
      expect(err.failed[0]!.error.name).toBe('TaskTimeoutError');
    });

    test('a group timeout fails with GroupTimeoutError and cancels what is left', async () => {
      const observed: string[] = [];
      const slow = task('rt-gslow', async (ctx) => {
        observed.push(await sleepUnlessAborted(10_000, ctx.signal));
        return 'slow';
      });
      const fast = task('rt-gfast', () => 'fast');
      const wf = workflow('gtmo', () => parallel(slow, fast).named('timed').withExecution({ timeoutMs: 300 }));
      const err = await harness().run(wf).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GroupTimeoutError);
      expect((err as GroupTimeoutError).groupId).toBe('timed');
      await waitFor(() => observed.includes('aborted'), { timeoutMs: 4_000, what: 'the slow branch to be cancelled' });
    });
  });
}
