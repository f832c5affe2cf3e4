import { chain, parallel, task, workflow, type TaskContext } from '@graflow/core';
import { Barrier, DEFAULT_QUEUE, groupKeyOf, RunKeys, type BranchJobData } from '@graflow/core/redis';
import { sharedRedis, waitFor } from '@graflow/testing';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { withWorkers } from './redis-harness';

const redis = new IORedis(sharedRedis());
afterAll(() => redis.disconnect());

let release: () => void = () => undefined;
let gate = Promise.resolve();
const held = task('forged-held', async (ctx: TaskContext<{ n: number }>) => {
  await gate;
  return ctx.params.n;
});
const prep = task('forged-prep', () => 'prepped');

// A job that claims a branch index outside its group (forged, or corrupted) must not count: the
// barrier's Lua refuses the index, the job fails as malformed and the group keeps waiting for
// its real branches.
describe('forged branch jobs', () => {
  test('two jobs with indexes 7 and 8 in a live 3-branch group fail as malformed and are never counted', async () => {
    gate = new Promise((resolve) => (release = resolve));
    const h = await withWorkers('forged', 1, { concurrency: 8 });
    const queue = new Queue(DEFAULT_QUEUE, { connection: redis, prefix: h.prefix });
    try {
      const wf = workflow('forged', () => chain(prep, parallel(...[1, 2, 3].map((n) => held.bind({ n }, { id: `real${n}` }))).named('g')));
      const run = h.run(wf);
      // The three real branches are running (held at the gate) when the forgeries arrive.
      const real = await waitFor(async () => {
        const active = await queue.getJobs(['active']);
        const branches = active.filter((j) => (j.data as BranchJobData).kind === 'branch');
        return branches.length === 3 ? branches : undefined;
      }, { timeoutMs: 10_000, what: 'the three real branches to run' });
      const template = real[0]!.data as BranchJobData;
      const forged = await Promise.all([7, 8].map((branchIndex) =>
        // Naming a task that finishes at once: the forgery fails now, while the group is live.
        queue.add('prep', { ...template, branchIndex, nodeId: 'forged-prep' }, { jobId: `forged-${branchIndex}`, attempts: 3 }),
      ));
      for (const job of forged) {
        await waitFor(async () => (await queue.getJobState(job.id!)) === 'failed', { timeoutMs: 10_000, what: `forged job ${job.id} to fail` });
        const failed = await queue.getJob(job.id!);
        // Refused before anything runs: the index must name the job's node in the group.
        expect(failed!.failedReason).toBe(`MalformedJobError: job '${job.id}' has a malformed payload: branch ${(job.data as { branchIndex: number }).branchIndex} of group 'g' is not '${(job.data as { nodeId: string }).nodeId}' (a forged or corrupt job)`);
        expect(failed!.attemptsMade).toBe(1);
      }
      const barrier = new Barrier(redis, new RunKeys(h.prefix, template.runId).barrier(groupKeyOf('/g@1')), 60);
      expect(await barrier.meta()).toMatchObject({ total: 3, done: 0, ok: 0, fail: 0, decided: '' });
      expect([...(await barrier.outcomes()).keys()]).toEqual([]);

      release();
      const { output } = await run;
      expect(output).toEqual({ real1: 1, real2: 2, real3: 3 });
      expect(await barrier.meta()).toMatchObject({ total: 3, done: 3, ok: 3, decided: 'succeeded' });
      expect([...(await barrier.outcomes()).keys()].sort()).toEqual([0, 1, 2]);
    } finally {
      release();
      await queue.close();
      await h.close();
    }
  });
});
