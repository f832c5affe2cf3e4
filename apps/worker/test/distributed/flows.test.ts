import { parallel, ParallelGroupError, task, workflow, type TaskContext, type WorkflowNode } from '@graflow/core';
import { groupJobId, groupKeyOf, DEFAULT_QUEUE } from '@graflow/core/redis';
import { sharedRedis, sleepUnlessAborted, uniquePrefix, waitFor } from '@graflow/testing';
import { FlowProducer, type JobNode } from 'bullmq';
import IORedis from 'ioredis';
import { runEpoch, withWorkers } from './redis-harness';

const redis = new IORedis(sharedRedis());
afterAll(() => redis.disconnect());

const item = task('flow-item', (ctx: TaskContext<{ n: number; fail?: boolean }>) => {
  if (ctx.params.fail) throw new Error(`item ${ctx.params.n} failed`);
  return ctx.params.n;
});

async function tree(prefix: string, runId: string, groupPath: string): Promise<JobNode> {
  const flows = new FlowProducer({ connection: redis, prefix });
  try {
    return await flows.getFlow({ id: groupJobId(runId, await runEpoch(redis, prefix, runId), groupKeyOf(groupPath)), queueName: DEFAULT_QUEUE, prefix });
  } finally {
    await flows.close();
  }
}

async function settledTree(prefix: string, runId: string, groupPath: string, parentState: string): Promise<JobNode> {
  // The group job is processed once every branch job has ended, just after the producer wakes.
  await waitFor(async () => (await (await tree(prefix, runId, groupPath)).job.getState()) === parentState, { timeoutMs: 10_000, what: `group job to be ${parentState}` });
  return tree(prefix, runId, groupPath);
}

// BullMQ's getFlow() splits child keys on ':' (upstream issues #2718, #3382), so a prefix with a
// colon shows undefined children there; the flow itself is fine. These tests use colon-free prefixes.
const colonFree = (label: string) => uniquePrefix(label).replace(/:/g, '_');

describe('one group = one BullMQ flow', () => {
  test('after success, getFlow shows the group completed over its completed branches', async () => {
    const h = await withWorkers('flow-ok', 2, {}, colonFree('flow-ok'));
    try {
      const wf = workflow('flow-ok', () => parallel(item.bind({ n: 1 }, { id: 'i1' }), item.bind({ n: 2 }, { id: 'i2' }), item.bind({ n: 3 }, { id: 'i3' })).named('fanout'));
      const { runId } = await h.run(wf);
      const node = await settledTree(h.prefix, runId, '/fanout@1', 'completed');
      expect(node.job.name).toBe('group fanout');
      expect(node.job.returnvalue).toEqual({ status: 'succeeded', done: 3, ok: 3, fail: 0 });
      const children = node.children ?? [];
      expect(children.map((c) => c.job.data.nodeId).sort()).toEqual(['i1', 'i2', 'i3']);
      expect(await Promise.all(children.map((c) => c.job.getState()))).toEqual(['completed', 'completed', 'completed']);
    } finally {
      await h.close();
    }
  });

  test('after failure, the group job is failed (never stuck in waiting-children) and shows the failed branch', async () => {
    const h = await withWorkers('flow-fail', 1, {}, colonFree('flow-fail'));
    try {
      const wf = workflow('flow-fail', () => parallel(item.bind({ n: 1 }, { id: 'ok1' }), item.bind({ n: 2, fail: true }, { id: 'bad2' })).named('half').withExecution({ policy: 'best_effort' }));
      await h.run(wf, { runId: 'flow-fail-be' });
      const strict = workflow('flow-strict', () => parallel(item.bind({ n: 1 }, { id: 'ok1' }), item.bind({ n: 2, fail: true }, { id: 'bad2' })).named('half'));
      await expect(h.run(strict, { runId: 'flow-fail-strict' })).rejects.toBeInstanceOf(ParallelGroupError);

      const be = await settledTree(h.prefix, 'flow-fail-be', '/half@1', 'completed');
      expect(be.job.returnvalue).toEqual({ status: 'succeeded', done: 2, ok: 1, fail: 1 });

      const node = await settledTree(h.prefix, 'flow-fail-strict', '/half@1', 'failed');
      expect(node.job.failedReason).toContain("parallel group 'half' failed (1 of 2 branches failed): bad2: item 2 failed");
      // getFlow lists a child whose failure the parent ignored twice, once as `undefined`
      // (BullMQ reads its ignored-failures hash as both `ignored` and `failed`); skip those.
      const children = (node.children ?? []).filter((c): c is JobNode => c !== undefined);
      const states = Object.fromEntries(await Promise.all(children.map(async (c) => [c.job.data.nodeId, await c.job.getState()])));
      expect(states.bad2).toBe('failed');
      expect(states.ok1).toBe('completed');
    } finally {
      await h.close();
    }
  });

  test('groups nested 5 deep finish on one worker at concurrency 1', async () => {
    const h = await withWorkers('nest5', 1, { concurrency: 1 });
    try {
      const leaf = task('nest-leaf5', (ctx: TaskContext<{ path: string }>) => ctx.params.path.length);
      const build = (depth: number, path: string): WorkflowNode =>
        depth === 0 ? leaf.bind({ path }, { id: `leaf-${path}` }) : parallel(build(depth - 1, `${path}a`), build(depth - 1, `${path}b`)).named(`g-${path || 'root'}`);
      const { results, output } = await h.run(workflow('nest5', () => build(5, '')));
      expect(Object.keys(results)).toHaveLength(32);
      expect(Object.values(results).every((v) => v === 5)).toBe(true);
      expect(Object.keys(output as object)).toEqual(['g-a', 'g-b']);
    } finally {
      await h.close();
    }
  });

  test('a failing branch deep inside nested groups fails every enclosing group', async () => {
    const h = await withWorkers('nest-fail', 1, { concurrency: 1 });
    try {
      const wf = workflow('nest-fail', () =>
        parallel(item.bind({ n: 1 }, { id: 'top' }), parallel(item.bind({ n: 2 }, { id: 'mid' }), parallel(item.bind({ n: 3, fail: true }, { id: 'deep' })).named('inner')).named('middle')).named('outer'),
      );
      const err = (await h.run(wf).catch((e: unknown) => e)) as ParallelGroupError;
      expect(err).toBeInstanceOf(ParallelGroupError);
      expect(err.groupId).toBe('outer');
      expect(err.failed[0]!.taskId).toBe('middle');
      expect(err.failed[0]!.error.message).toContain("parallel group 'middle' failed");
      expect(err.failed[0]!.error.message).toContain('item 3 failed');
    } finally {
      await h.close();
    }
  });

  test('a nested group times out through its delayed timeout job and cancels its branch', async () => {
    const h = await withWorkers('nest-timeout', 1, { concurrency: 2 });
    const seen: string[] = [];
    try {
      const stuck = task('flow-stuck', async (ctx) => {
        const how = await sleepUnlessAborted(10_000, ctx.signal);
        seen.push(how);
        return how;
      });
      const wf = workflow('nest-timeout', () =>
        parallel(item.bind({ n: 1 }, { id: 'quick' }), parallel(stuck).named('slow-inner').withExecution({ timeoutMs: 300 })).named('outer-t'),
      );
      const err = (await h.run(wf).catch((e: unknown) => e)) as ParallelGroupError;
      expect(err).toBeInstanceOf(ParallelGroupError);
      expect(err.failed.map((f) => [f.taskId, f.error.name])).toEqual([['slow-inner', 'GroupTimeoutError']]);
      expect(err.failed[0]!.error.message).toContain("parallel group 'slow-inner' timed out after 300 ms");
      await waitFor(() => seen.includes('aborted'), { timeoutMs: 5_000, what: 'the stuck branch to be cancelled' });
    } finally {
      await h.close();
    }
  });
});
