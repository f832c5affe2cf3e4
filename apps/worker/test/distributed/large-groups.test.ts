import { parallel, resolveRedisConfig, task, workflow, type Graph, type TaskContext } from '@graflow/core';
import {
  Barrier, CancelRegistry, createJobProcessor, DEFAULT_QUEUE, groupKeyOf, JOB_PAYLOAD_VERSION, RedisRuntime, RunKeys, type BranchJobData,
} from '@graflow/core/redis';
import { sharedRedis, uniquePrefix } from '@graflow/testing';
import { Job, Queue } from 'bullmq';
import { withWorkers } from './redis-harness';

const square = task('big-square', (ctx: TaskContext<{ i: number }>) => ctx.params.i * ctx.params.i);

describe('large groups', () => {
  test('a group larger than one flow chunk (2,500 branches) is added in chunks and closes with every value', async () => {
    const h = await withWorkers('chunked', 2, { concurrency: 50 });
    try {
      const n = 2_500;
      const wf = workflow('chunked', () => parallel(...Array.from({ length: n }, (_, i) => square.bind({ i }))).named('chunked'));
      const { output } = await h.run(wf);
      const values = Object.values(output as Record<string, number>);
      expect(values).toHaveLength(n);
      expect(values.reduce((a, b) => a + b, 0)).toBe(((n - 1) * n * (2 * n - 1)) / 6);
    } finally {
      await h.close();
    }
  });

  // A branch's work must not grow with its group: count every read of the group's member list and
  // of the graph's node table while one branch job is processed, for a group of 20 and of 20,000.
  test('processing one branch reads the same few graph entries whatever the size of its group', async () => {
    const counts: number[] = [];
    for (const size of [20, 20_000]) {
      const prefix = uniquePrefix(`cost-${size}`);
      const runtime = await RedisRuntime.connect(resolveRedisConfig({ ...sharedRedis(), keyPrefix: prefix }), { connectTimeoutMs: 2_000 });
      const queue = new Queue(DEFAULT_QUEUE, { connection: runtime.redis, prefix });
      try {
        const wf = workflow(`cost-${size}`, () => parallel(...Array.from({ length: size }, (_, i) => square.bind({ i }))).named('cost'));
        const graphHash = await runtime.store.save(wf.graph);
        let reads = 0;
        const counted = countingGraph(wf.graph, () => reads++);
        runtime.store.load = (async () => counted) as typeof runtime.store.load; // the worker's (cached) graph, instrumented
        const runId = `cost-${size}`;
        const groupKey = groupKeyOf('/cost@1');
        const barrier = new Barrier(runtime.redis, new RunKeys(prefix, runId).barrier(groupKey), 60);
        await barrier.init(size, 'strict', wf.graph.nodes.cost!.kind === 'group' ? (wf.graph.nodes.cost as { members: string[] }).members : [], 'cost');
        const processor = createJobProcessor({ runtime, cancels: new CancelRegistry(), shutdownSignal: new AbortController().signal });
        const branchJob = async (index: number) => {
          const memberId = (wf.graph.nodes.cost as { members: string[] }).members[index]!;
          const data: BranchJobData = {
            v: JOB_PAYLOAD_VERSION, kind: 'branch', runId, epoch: 'e1', graphHash, groupId: 'cost', groupKey, ttl: 60, maxPayloadBytes: 1_000_000,
            nodeId: memberId, branchIndex: index, path: `/cost@1/${memberId}`, cancelKeys: [],
          };
          const added = await queue.add(memberId, data);
          return { memberId, job: (await Job.fromId(queue, added.id!))! };
        };
        // A worker checks a graph once, when it first loads it (then it is cached): the first
        // branch pays for that; every later branch must cost the same whatever the group's size.
        const first = await branchJob(3);
        await expect(processor(first.job)).resolves.toMatchObject({ nodeId: first.memberId, ok: true });
        const { memberId, job } = await branchJob(7);
        reads = 0;
        await expect(processor(job)).resolves.toMatchObject({ nodeId: memberId, ok: true });
        counts.push(reads);
        expect(await barrier.meta()).toMatchObject({ total: size, done: 2, ok: 2 });
      } finally {
        await queue.close();
        await runtime.close();
      }
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBe(counts[0]);
  });
});

/** The graph with every lookup in its node table and in each group's member list counted. */
function countingGraph(graph: Graph, onRead: () => void): Graph {
  const nodes = Object.fromEntries(
    Object.entries(graph.nodes).map(([id, node]) => [
      id,
      node.kind === 'task' ? node : { ...node, members: new Proxy(node.members, { get: (t, p, r) => (typeof p === 'string' && /^\d+$/.test(p) ? (onRead(), Reflect.get(t, p, r)) : Reflect.get(t, p, r)) }) },
    ]),
  );
  return { ...graph, nodes: new Proxy(nodes, { get: (t, p, r) => (onRead(), Reflect.get(t, p, r)) }) };
}
