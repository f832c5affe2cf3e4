import { FlowProducer, Worker, type Job } from 'bullmq';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { createBoardServer, BoardRedisUnreachableError, type BoardServer } from '../src/server';
import { TASKS_QUEUE } from '../src/options';

interface ApiJob {
  name: string;
  data: Record<string, unknown>;
  returnValue: unknown;
}
interface ApiQueues {
  queues: { name: string; counts: Record<string, number>; jobs: ApiJob[] }[];
}

const hash = 'c0ffee'.repeat(10) + 'beef';

async function addGroupFlow(prefix: string, runId: string): Promise<void> {
  const connection = sharedRedis();
  const flows = new FlowProducer({ connection, prefix });
  const groupKey = `${runId}:fan_out`;
  const branch = (nodeId: string, branchIndex: number) => ({
    name: nodeId,
    queueName: TASKS_QUEUE,
    data: { v: 2, kind: 'branch', ttl: 60, maxPayloadBytes: 1_000_000, runId, graphHash: hash, nodeId, groupId: 'fan_out', groupKey, branchIndex, path: `fan_out/${nodeId}`, cancelKeys: [groupKey] },
  });
  await flows.add({
    name: 'group fan_out',
    queueName: TASKS_QUEUE,
    data: { v: 2, kind: 'group', ttl: 60, maxPayloadBytes: 1_000_000, runId, graphHash: hash, groupId: 'fan_out', groupKey, name: 'fetch', branches: 2 },
    children: [branch('fetch_a', 0), branch('fetch_b', 1)],
  });
  await flows.close();
}

async function getQueues(board: BoardServer, status: string): Promise<ApiQueues> {
  const res = await fetch(`${board.url}/api/queues?activeQueue=${TASKS_QUEUE}&status=${status}&page=1&jobsPerPage=10`);
  expect(res.status).toBe(200);
  return (await res.json()) as ApiQueues;
}

describe('createBoardServer', () => {
  let board: BoardServer | undefined;
  afterEach(async () => {
    await board?.close();
    board = undefined;
  });

  it('serves Bull Board with Graflow names and data for a group flow', async () => {
    const prefix = uniquePrefix('board');
    await addGroupFlow(prefix, 'run-42');
    board = await createBoardServer({ redis: sharedRedis(), keyPrefix: prefix, port: 0 });
    expect(board.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/admin\/queues$/);

    const page = await fetch(board.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<html');

    const { queues } = await getQueues(board, 'latest');
    expect(queues.map((q) => q.name)).toEqual([TASKS_QUEUE]);
    const names = queues[0].jobs.map((j) => j.name).sort();
    expect(names).toEqual(['fetch_a', 'fetch_b', 'group fetch (2 branches)']);
    const a = queues[0].jobs.find((j) => j.name === 'fetch_a');
    expect(a?.data).toMatchObject({ run: 'run-42', group: 'fan_out', node: 'fetch_a', branch: 0 });
    const group = queues[0].jobs.find((j) => j.name.startsWith('group'));
    expect(group?.data).toMatchObject({ run: 'run-42', group: 'fetch', branches: 2 });
  });

  it('summarises return values once a worker completes the flow', async () => {
    const prefix = uniquePrefix('board-done');
    await addGroupFlow(prefix, 'run-7');
    const worker = new Worker(
      TASKS_QUEUE,
      async (job: Job) => {
        if (job.data.kind === 'branch') return { nodeId: job.data.nodeId as string, ok: true };
        const children = Object.values(await job.getChildrenValues()) as { nodeId: string }[];
        return { status: 'succeeded', succeeded: children.map((c) => c.nodeId).sort(), failed: [] };
      },
      { connection: sharedRedis(), prefix },
    );
    try {
      board = await createBoardServer({ redis: sharedRedis(), keyPrefix: prefix, port: 0, readOnly: true });
      const done = await waitFor(
        async () => {
          const { queues } = await getQueues(board!, 'completed');
          return queues[0].jobs.length === 3 ? queues[0].jobs : undefined;
        },
        { timeoutMs: 15_000, what: 'three completed jobs on the board' },
      );
      const group = done.find((j) => j.name === 'group fetch (2 branches)');
      expect(group?.returnValue).toEqual({
        status: 'succeeded',
        summary: '2 succeeded, 0 failed',
        succeeded: ['fetch_a', 'fetch_b'],
        failed: [],
      });
      const b = done.find((j) => j.name === 'fetch_b');
      expect(b?.returnValue).toMatchObject({ node: 'fetch_b', ok: true });
    } finally {
      await worker.close();
    }
  });

  it('shows only the queue of its own prefix', async () => {
    const mine = uniquePrefix('board-mine');
    await addGroupFlow(uniquePrefix('board-other'), 'run-other');
    board = await createBoardServer({ redis: sharedRedis(), keyPrefix: mine, port: 0 });
    const { queues } = await getQueues(board, 'latest');
    expect(queues[0].jobs).toEqual([]);
  });

  it('fails fast with a clear error when Redis does not answer', async () => {
    const err = await createBoardServer({ redis: { host: '127.0.0.1', port: 1 }, keyPrefix: 'x:wf', port: 0, connectTimeoutMs: 2_000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BoardRedisUnreachableError);
    expect((err as Error).message).toMatch(/127\.0\.0\.1:1 \(key prefix "x:wf"\)/);
  });
});
