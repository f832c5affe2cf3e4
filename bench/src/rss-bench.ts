import Redis from 'ioredis';
import { connect, parallel, workflow, type GraflowClient } from '@graflow/core';
import { GRAPH_STORE_DEFAULTS, GraphStore } from '@graflow/store';
import { noop } from './bench-tasks';
import { BENCH } from './config';
import { startFleet } from './fleet';
import { RawFlows } from './raw-flows';
import type { BenchRow, BenchSection } from './section';
import { collectGarbage, mib, ratio } from './stats';
import { workflowGraph } from './store-bench';
import type { MemoryReport } from './worker-process';

type RedisAddress = { host: string; port: number };

/** Runs `job(i)` for i = 0, 1, ... with `parallel` in flight, until `count` or the deadline. */
async function pool(count: number, parallelism: number, deadline: number, job: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const lane = async () => {
    while (next < count && Date.now() < deadline) await job(next++);
  };
  await Promise.all(Array.from({ length: parallelism }, lane));
  return next;
}

interface WorkerMemory {
  /** Runs (graphs) done. */
  runs: number;
  seconds: number;
  before: MemoryReport;
  after: MemoryReport;
  afterGc: MemoryReport;
}

/** One worker process of `mode`, `warmup` runs, a reading, `count` runs (or until the deadline), two readings. */
async function measureWorker(
  redis: RedisAddress,
  mode: 'graflow' | 'raw',
  count: number,
  deadline: () => number,
  runOne: (prefix: string) => Promise<(i: number) => Promise<unknown>>,
): Promise<WorkerMemory> {
  const prefix = `bench:rss:${process.pid}:${mode}`;
  const fleet = await startFleet(mode, redis, prefix, { processes: 1, concurrency: BENCH.concurrency });
  try {
    const run = await runOne(prefix);
    const warmup = 50;
    await pool(warmup, BENCH.rss.parallel, Infinity, (i) => run(-1 - i));
    const [before] = await fleet.memory({ gc: true });
    const started = Date.now();
    const runs = await pool(count, BENCH.rss.parallel, deadline(), run);
    const seconds = (Date.now() - started) / 1_000;
    const [after] = await fleet.memory();
    const [afterGc] = await fleet.memory({ gc: true });
    return { runs, seconds, before: before!, after: after!, afterGc: afterGc! };
  } finally {
    await fleet.stop();
  }
}

/** The store's cache bound in this process: `count` distinct graphs saved, then loaded by a default-sized store. */
async function storeCacheBound(redis: RedisAddress, count: number, nodes: number) {
  const client = new Redis({ host: redis.host, port: redis.port });
  try {
    const keyPrefix = `bench:rss:${process.pid}:store`;
    const writer = new GraphStore({ redis: client, keyPrefix, cacheSize: 0 });
    const reader = new GraphStore({ redis: client, keyPrefix });
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    for (let i = 0; i < count; i += 50) {
      const batch = Array.from({ length: Math.min(50, count - i) }, (_, j) => workflowGraph(nodes, i + j + 1));
      const hashes = await Promise.all(batch.map((g) => writer.save(g)));
      await Promise.all(hashes.map((h) => reader.load(h)));
    }
    const seconds = (Date.now() - started) / 1_000;
    collectGarbage();
    const heapAfter = process.memoryUsage().heapUsed;
    const stats = reader.stats();
    const keys = await client.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await client.del(...keys);
    return { graphs: count, nodesPerGraph: nodes, seconds, heapBefore, heapAfter, stats, defaults: { cacheSize: GRAPH_STORE_DEFAULTS.cacheSize, cacheMaxBytes: GRAPH_STORE_DEFAULTS.cacheMaxBytes } };
  } finally {
    await client.quit();
  }
}

/** Workload 4: a worker's memory after 10,000 distinct graphs, and the store's cache bound. */
export const rssSection: BenchSection = {
  name: 'rss',
  async run({ redis }) {
    const { graphs, seconds, storeGraphs } = BENCH.rss;
    const deadline = () => Date.now() + seconds * 1_000;
    // Each run is its own workflow: a one-branch group whose bound param differs, so every graph hash does.
    let client: GraflowClient | undefined;
    const graflow = await measureWorker(redis, 'graflow', graphs, deadline, async (prefix) => {
      client = await connect({ host: redis.host, port: redis.port, keyPrefix: prefix });
      const options = { client };
      return (i) => workflow(`bench-rss-${i}`, () => parallel(noop.bind({ i }))).run(options);
    }).finally(() => client?.close());
    // The raw floor: a worker that ran as many one-child flows (no graphs to hold).
    let raw: RawFlows | undefined;
    const rawMemory = await measureWorker(redis, 'raw', graflow.runs, () => Infinity, async (prefix) => {
      raw = await RawFlows.open(redis, prefix);
      const flows = raw;
      return () => flows.run(1);
    }).finally(() => raw?.close());
    const store = await storeCacheBound(redis, storeGraphs, 100);

    const rows: BenchRow[] = [];
    const memRow = (metric: string, g: number, r: number): BenchRow => ({ metric, value: mib(g), raw: mib(r), ratio: ratio(g, r), unit: 'MiB' });
    rows.push({ metric: 'distinct graphs run on one worker', value: String(graflow.runs), raw: String(rawMemory.runs), unit: 'runs', target: String(graphs) });
    rows.push(memRow('worker RSS before (after warm-up, GC)', graflow.before.rss, rawMemory.before.rss));
    rows.push(memRow(`worker RSS after ${graflow.runs} graphs`, graflow.after.rss, rawMemory.after.rss));
    rows.push(memRow('worker RSS after, after a full GC', graflow.afterGc.rss, rawMemory.afterGc.rss));
    const heapGrowth = (m: WorkerMemory) => mib(m.afterGc.heapUsed - m.before.heapUsed);
    rows.push({ metric: 'worker heap growth, both readings after a full GC', value: heapGrowth(graflow), raw: heapGrowth(rawMemory), unit: 'MiB' });
    rows.push({ metric: 'worker graph cache misses / hits', value: `${graflow.afterGc.graphLoads.misses}/${graflow.afterGc.graphLoads.hits}` });
    rows.push({ metric: `store cache: ${store.graphs} distinct ${store.nodesPerGraph}-node graphs loaded`, value: `${store.stats.cachedGraphs}`, unit: 'cached', target: `<= ${store.defaults.cacheSize}` });
    rows.push({ metric: 'store cache: cached canonical bytes', value: mib(store.stats.cachedBytes), unit: 'MiB', target: `<= ${mib(store.defaults.cacheMaxBytes)}` });
    rows.push({ metric: 'store cache: heap growth after GC (this process)', value: mib(store.heapAfter - store.heapBefore), unit: 'MiB' });
    return {
      json: { graflow, raw: rawMemory, store },
      rows,
      notes: [
        `graflow: one worker process (concurrency ${BENCH.concurrency}, store cache defaults) ran ${graflow.runs} one-branch workflows with distinct graphs in ${graflow.seconds.toFixed(0)} s, ${BENCH.rss.parallel} in flight${graflow.runs < graphs ? ` (stopped at the ${seconds} s budget, short of ${graphs})` : ''}`,
        `raw: one raw BullMQ worker ran the same number of one-child flows in ${rawMemory.seconds.toFixed(0)} s; it has no graphs to cache, so it is the floor`,
        `store cache: ${store.graphs} distinct graphs saved, then loaded by a GraphStore with default cache options (${store.defaults.cacheSize} graphs, ${mib(store.defaults.cacheMaxBytes)} MiB), in ${store.seconds.toFixed(0)} s`,
      ],
    };
  },
};
