import { GraflowConnectionError, parallel } from '@graflow/core';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { createBoardServer, type BoardServer } from '../src/server';
import { getJob, getQueues, jobsOf, type ApiJob } from './fixtures/board-api';
import { chainGroup, crunchGroup, embed, huge, startWorkers, type Harness } from './fixtures/workflows';

let board: BoardServer | undefined;
let workers: Harness | undefined;
afterEach(async () => {
  await board?.close();
  await workers?.close();
  board = undefined;
  workers = undefined;
});

const byName = (jobs: ApiJob[], name: string): ApiJob => {
  const job = jobs.find((j) => j.name === name);
  if (!job) throw new Error(`no job named ${name} among ${jobs.map((j) => j.name).join(', ')}`);
  return job;
};

/** Every job of a run is completed once the group job is (it is processed after its branches). */
async function completedJobs(b: BoardServer, queue: string, count: number): Promise<ApiJob[]> {
  return await waitFor(async () => {
    const jobs = await jobsOf(b, queue, 'completed');
    return jobs.length === count ? jobs : undefined;
  }, { timeoutMs: 15_000, what: `${count} completed jobs on ${queue}` });
}

describe('board over a real distributed run', () => {
  it('names the group and its branches by id and shows each lone task result decoded', async () => {
    workers = await startWorkers(uniquePrefix('board-names'));
    const { runId } = await workers.run('board-names', () => crunchGroup(4));
    board = await createBoardServer({ redis: sharedRedis(), keyPrefix: workers.prefix, port: 0 });

    const jobs = await completedJobs(board, 'tasks', 5);
    expect(jobs.map((j) => j.name).sort()).toEqual(['crunch-0', 'crunch-1', 'crunch-2', 'crunch-3', 'group crunch-all']);
    const group = byName(jobs, 'group crunch-all');
    expect(group.data).toMatchObject({ run: runId, group: 'crunch-all', branches: 4 });
    expect(group.returnValue).toMatchObject({ status: 'succeeded', summary: '4 succeeded, 0 failed' });
    const branch = byName(jobs, 'crunch-2');
    expect(branch.opts.parent?.id).toBe(group.id);
    expect(branch.data).toMatchObject({ run: runId, group: 'crunch-all', node: 'crunch-2', branch: 2 });
    expect(branch.returnValue).toEqual({
      node: 'crunch-2',
      ok: true,
      result: { n: 2, square: 4, at: '2024-01-03T00:00:00.000Z', big: '18446744073709551618n', tags: { '[Map]': [['parity', 'even']] } },
      from: 'run results',
    });
    // The job page reads the same value.
    expect((await getJob(board, 'tasks', branch.id)).returnValue).toEqual(branch.returnValue);
  });

  it('shows a chain branch value from the barrier outcome', async () => {
    workers = await startWorkers(uniquePrefix('board-chain'));
    await workers.run('board-chain', chainGroup);
    board = await createBoardServer({ redis: sharedRedis(), keyPrefix: workers.prefix, port: 0 });

    const jobs = await completedJobs(board, 'tasks', 3);
    const chainJob = jobs.find((j) => j.name.startsWith('chain#'));
    expect(chainJob?.returnValue).toEqual({
      node: chainJob?.name,
      ok: true,
      result: { parsed: 'https://example.test/a', words: 617 },
      from: 'barrier outcome',
    });
    expect(byName(jobs, 'crunch-9').returnValue).toMatchObject({ ok: true, result: { n: 9, square: 81 }, from: 'run results' });
  });

  it('bounds what it shows: a large value is cut with a note, a huge one only described', async () => {
    workers = await startWorkers(uniquePrefix('board-huge'));
    await workers.run('board-huge', () =>
      parallel(huge.bind({ size: 50_000 }, { id: 'large' }), huge.bind({ size: 3 * 1024 * 1024 }, { id: 'huge' })).named('sizes'),
    );
    board = await createBoardServer({ redis: sharedRedis(), keyPrefix: workers.prefix, port: 0 });

    const jobs = await completedJobs(board, 'tasks', 3);
    const large = byName(jobs, 'large').returnValue as { result: string; note: string };
    expect(large.result).toMatch(/^x{2000}… \(48000 more characters\)$/);
    expect(large.note).toMatch(/^truncated for display \(48\.\d KiB stored\)$/);
    expect(byName(jobs, 'huge').returnValue).toEqual({
      node: 'huge',
      ok: true,
      result: null,
      note: "the run results value is 3.0 MiB, over the board's 1.0 MiB display limit",
    });
  });

  it('shows a queue that first appears after the board started, with its jobs', async () => {
    const prefix = uniquePrefix('board-gpu');
    workers = await startWorkers(prefix);
    board = await createBoardServer({ redis: sharedRedis(), keyPrefix: prefix, port: 0 });
    expect(board.queues()).toEqual(['tasks']);
    expect((await getQueues(board)).map((q) => q.name)).toEqual(['tasks']);

    // The gpu pool (its worker and its first jobs) comes after the board.
    const gpu = await startWorkers(prefix, [['gpu']]);
    try {
      await workers.run('board-gpu', () => parallel(embed.bind({ n: 1 }, { id: 'embed-1' }), embed.bind({ n: 2 }, { id: 'embed-2' })).named('embed-all'));
    } finally {
      await gpu.close();
    }
    // Found by the board's own refresh (on its default interval), not by anything the test calls.
    const gpuJobs = await completedJobs(board, 'gpu', 2);
    expect((await getQueues(board)).map((q) => q.name)).toEqual(['tasks', 'gpu']);
    expect(board.queues()).toEqual(['tasks', 'gpu']);
    expect(byName(gpuJobs, 'embed-2').returnValue).toMatchObject({ node: 'embed-2', ok: true, result: [2, 20] });
    expect(byName(gpuJobs, 'embed-1').opts.parent?.queue).toMatch(/:tasks$/);
    expect((await jobsOf(board, 'tasks', 'completed')).map((j) => j.name)).toEqual(['group embed-all']);
  });

  it('redirects / to the board and serves the board page there', async () => {
    board = await createBoardServer({ redis: sharedRedis(), keyPrefix: uniquePrefix('board-root'), port: 0 });
    const origin = new URL(board.url).origin;
    const root = await fetch(`${origin}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/admin/queues');
    const page = await fetch(`${origin}/`);
    expect(page.url).toBe(board.url);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<html');
    await board.close();

    board = await createBoardServer({ redis: sharedRedis(), keyPrefix: uniquePrefix('board-root'), port: 0, basePath: '/ops/board' });
    const moved = await fetch(`${new URL(board.url).origin}/`, { redirect: 'manual' });
    expect(moved.headers.get('location')).toBe('/ops/board');
  });

  it('shows only the queues of its own prefix, not those of a prefix nested in it', async () => {
    const mine = uniquePrefix('board-mine');
    workers = await startWorkers(`${mine}:inner`, [['tasks'], ['gpu']]);
    await workers.run('board-other', () => parallel(embed.bind({ n: 3 }, { id: 'embed-3' })));
    board = await createBoardServer({ redis: sharedRedis(), keyPrefix: mine, port: 0 });
    const queues = await getQueues(board);
    expect(queues.map((q) => q.name)).toEqual(['tasks']);
    expect(queues[0]!.jobs).toEqual([]);
  });

  it('fails fast with one line naming the address and the prefix when Redis does not answer', async () => {
    const err = await createBoardServer({ redis: { host: '127.0.0.1', port: 1 }, keyPrefix: 'x:wf', port: 0, connectTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraflowConnectionError);
    expect((err as Error).message).toMatch(/^cannot reach Redis at 127\.0\.0\.1:1 \(key prefix 'x:wf'\)/);
    expect((err as Error).message).not.toContain('\n');
  });
});
