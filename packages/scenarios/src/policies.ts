import { definePolicy, parallel, ParallelGroupError, task, workflow, type TaskContext } from '@graflow/core';
import { waitFor } from '@graflow/testing';
import { sleepUnlessAborted, type HarnessFactory } from './harness';

type Spec = { ok: boolean; ms?: number };

export function policyScenarios(harness: HarnessFactory): void {
  describe('policies', () => {
    // A branch that succeeds or fails after an optional delay, and records when its signal fires.
    const branch = task('pol-branch', async (ctx: TaskContext<Spec>) => {
      if (ctx.params.ms) {
        const how = await sleepUnlessAborted(ctx.params.ms, ctx.signal);
        if (how === 'aborted') {
          await ctx.channel.set(`aborted:${ctx.taskId}`, true);
          throw new Error('aborted');
        }
      }
      if (!ctx.params.ok) throw new Error(`${ctx.taskId} failed`);
      return ctx.taskId;
    });
    const b = (id: string, spec: Spec) => branch.bind(spec, { id });

    test('strict succeeds when every branch succeeds', async () => {
      const wf = workflow('strict-ok', () => parallel(b('s1', { ok: true }), b('s2', { ok: true })));
      await expect(harness().run(wf)).resolves.toMatchObject({ output: { s1: 's1', s2: 's2' } });
    });

    test('strict fails with ParallelGroupError naming the failed and succeeded branches', async () => {
      const wf = workflow('strict-fail', () => parallel(b('f1', { ok: false }), b('f2', { ok: true })).named('sf'));
      const err = await harness().run(wf).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParallelGroupError);
      const pge = err as ParallelGroupError;
      expect(pge.name).toBe('ParallelGroupError');
      expect(pge.groupId).toBe('sf');
      expect(pge.failed.map((f) => f.taskId)).toEqual(['f1']);
      expect(pge.failed[0]!.error.message).toContain('f1 failed');
    });

    test('strict rejects early: the 5-second sibling gets its signal', async () => {
      const observed: string[] = [];
      const slow = task('sig-slow', async (ctx) => {
        await ctx.channel.set('slow-started', true);
        const how = await sleepUnlessAborted(5_000, ctx.signal);
        observed.push(how);
        return how;
      });
      // Fails once the slow sibling is surely running, so the test is about its signal, not the queue.
      const bad = task('sig-bad', async (ctx) => {
        await waitFor(() => ctx.channel.get('slow-started'), { timeoutMs: 4_000, what: 'the slow branch to start' });
        throw new Error('bad');
      });
      const err = (await harness().run(workflow('sig', () => parallel(bad, slow))).catch((e: unknown) => e)) as ParallelGroupError;
      expect(err).toBeInstanceOf(ParallelGroupError);
      expect(err.failed.map((f) => f.taskId)).toEqual(['sig-bad']);
      expect(err.succeeded).toEqual([]);
      // Workers here run in this process, so the branch's observation is visible on both backends.
      await waitFor(() => observed.includes('aborted'), { timeoutMs: 4_000, what: 'the slow branch to see its signal fire' });
      expect(observed).toEqual(['aborted']);
    });

    test('best_effort succeeds with a failed branch and runs on', async () => {
      const wf = workflow('be', () => parallel(b('be1', { ok: false }), b('be2', { ok: true })).withExecution({ policy: 'best_effort' }));
      const { output, results } = await harness().run(wf);
      expect(output).toEqual({ be2: 'be2' });
      expect(results).toEqual({ be2: 'be2' });
    });

    test('atLeast passes when enough branches succeed', async () => {
      const wf = workflow('al-ok', () => parallel(b('a1', { ok: true }), b('a2', { ok: false }), b('a3', { ok: true })).withExecution({ policy: { atLeast: 2 } }));
      await expect(harness().run(wf)).resolves.toMatchObject({ output: { a1: 'a1', a3: 'a3' } });
    });

    test('atLeast fails as soon as n can no longer be reached', async () => {
      const wf = workflow('al-fail', () =>
        parallel(b('x1', { ok: false }), b('x2', { ok: false }), b('x3', { ok: true }), b('x4', { ok: true, ms: 5_000 })).withExecution({ policy: { atLeast: 3 } }),
      );
      const err = (await harness().run(wf).catch((e: unknown) => e)) as ParallelGroupError;
      expect(err).toBeInstanceOf(ParallelGroupError);
      expect(err.failed.map((f) => f.taskId).sort()).toEqual(['x1', 'x2']);
      expect(err.succeeded).not.toContain('x4');
    });

    test('critical passes when only a non-critical branch fails', async () => {
      const wf = workflow('cr-ok', () => parallel(b('c1', { ok: true }), b('c2', { ok: false })).withExecution({ policy: { critical: ['c1'] } }));
      await expect(harness().run(wf)).resolves.toMatchObject({ output: { c1: 'c1' } });
    });

    test('critical fails as soon as a critical branch fails', async () => {
      const wf = workflow('cr-fail', () =>
        parallel(b('k1', { ok: false }), b('k2', { ok: true, ms: 5_000 })).withExecution({ policy: { critical: ['k1'] } }),
      );
      const err = (await harness().run(wf).catch((e: unknown) => e)) as ParallelGroupError;
      expect(err).toBeInstanceOf(ParallelGroupError);
      expect(err.failed.map((f) => f.taskId)).toEqual(['k1']);
    });

    test('a custom policy decides (majority)', async () => {
      const majority = definePolicy('majority', (s) => (s.failed.length * 2 > s.total ? 'failed' : s.succeeded.length * 2 > s.total ? 'succeeded' : 'pending'));
      const ok = workflow('cu-ok', () => parallel(b('m1', { ok: true }), b('m2', { ok: false }), b('m3', { ok: true })).withExecution({ policy: majority }));
      await expect(harness().run(ok)).resolves.toMatchObject({ output: { m1: 'm1', m3: 'm3' } });
      const bad = workflow('cu-bad', () => parallel(b('n1', { ok: false }), b('n2', { ok: false }), b('n3', { ok: true })).withExecution({ policy: majority }));
      await expect(harness().run(bad)).rejects.toBeInstanceOf(ParallelGroupError);
    });
  });
}
