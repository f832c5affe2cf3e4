import { RunKeys, type BranchJobData } from '@graflow/core/redis';
import { sharedRedis, uniquePrefix } from '@graflow/testing';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { BranchValueReader } from '../src/branch-values';
import { isBranchJobData } from '../src/formatters';
import { crunchGroup, startWorkers, type Harness } from './fixtures/workflows';

const redis = new IORedis(sharedRedis());
let workers: Harness;
let branches: Map<string, BranchJobData>;
let reader: BranchValueReader;

// One real run of crunch-0 and crunch-1; each test then changes what Redis holds for one branch.
beforeAll(async () => {
  workers = await startWorkers(uniquePrefix('board-values'));
  await workers.run('board-values', () => crunchGroup(4));
  const queue = new Queue('tasks', { connection: redis, prefix: workers.prefix });
  const jobs = await queue.getJobs(['completed']);
  await queue.close();
  branches = new Map(jobs.filter((j) => isBranchJobData(j.data)).map((j) => [j.name, j.data as BranchJobData]));
  reader = new BranchValueReader(redis, workers.prefix, 1024 * 1024);
});
afterAll(async () => {
  await workers.close();
  redis.disconnect();
});

const keysOf = (data: BranchJobData) => {
  const run = new RunKeys(workers.prefix, data.runId);
  return { results: run.results, outcomes: run.barrier(data.groupKey).outcomes };
};

describe('BranchValueReader', () => {
  it("reads a lone task's value from the run's results", async () => {
    expect(await reader.read(branches.get('crunch-0')!)).toMatchObject({ found: true, ok: true, source: 'run results', value: { n: 0, square: 0 } });
  });

  it("shows the job's own outcome when a later visit of the group overwrote the node's result", async () => {
    const data = branches.get('crunch-1')!;
    const { results } = keysOf(data);
    await redis.hset(results, 'crunch-1', (await redis.hgetBuffer(results, 'crunch-2'))!);
    const view = await reader.read(data);
    expect(view).toMatchObject({ found: true, ok: true, source: 'barrier outcome', value: { n: 1, square: 1 } });
    expect(view.note).toBe("the run's result for crunch-1 has changed since (a later visit of the group)");
  });

  it("falls back to the run's results when the group's outcomes expired first, and says when nothing is left", async () => {
    const data = branches.get('crunch-3')!;
    const { results, outcomes } = keysOf(data);
    await redis.hdel(outcomes, String(data.branchIndex));
    expect(await reader.read(data)).toMatchObject({ found: true, source: 'run results', value: { n: 3 } });
    await redis.hdel(results, 'crunch-3');
    expect(await reader.read(data)).toEqual({
      found: false,
      note: `no value in Redis: not recorded yet, or expired with the run (TTL ${data.ttl} s), or written under another key prefix`,
    });
    await redis.hset(outcomes, String(data.branchIndex), 'garbage');
    expect(await reader.read(data)).toEqual({ found: false, note: 'the barrier outcome has an unknown format' });
  });

  it('turns a Redis failure into a note instead of throwing', async () => {
    const closed = new IORedis({ ...sharedRedis(), lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const view = await new BranchValueReader(closed, workers.prefix, 1024).read(branches.get('crunch-2')!).finally(() => closed.disconnect());
    expect(view.found).toBe(false);
    expect(view.note).toMatch(/^could not read the value: /);
  });
});
