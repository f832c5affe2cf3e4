import Redis from 'ioredis';
import { encodeCanonical, GraphStore } from '@graflow/store';
import type { BenchSection } from './section';
import { median, timeUs } from './stats';

/** What `benchStore` measured; times are medians in microseconds. */
export interface StoreBenchResult {
  nodes: number;
  /** Canonical msgpack size of the graph. */
  encodedBytes: number;
  /** zlib (level 6) size as stored in Redis. */
  compressedBytes: number;
  /** Fraction saved by compression: 1 - compressed / encoded (target >= 0.6). */
  ratio: number;
  /** save() of a graph never seen before (encode, hash, compress, SET NX EX). */
  saveP50Us: number;
  /** load() on a fresh store: GETEX, decompress, verify, decode, freeze. */
  loadColdP50Us: number;
  /** load() answered from the cache (target < 50). */
  loadCachedP50Us: number;
  iterations: { save: number; loadCold: number; loadCached: number };
}

const NODES = 1_000;
const ITERATIONS = { save: 300, loadCold: 300, loadCached: 20_000 };
const TASKS = ['extract.s3', 'transform.clean', 'transform.enrich', 'load.warehouse', 'notify.slack'];

/** A 1,000-node workflow graph with the repetitive ids and params real fan-outs have. */
export function workflowGraph(nodes = NODES, variant = 0): Record<string, unknown> {
  const graphNodes: Record<string, unknown> = {};
  for (let i = 0; i < nodes; i++) {
    const taskId = TASKS[i % TASKS.length]!;
    const id = `${taskId}#${String(i).padStart(4, '0')}`;
    graphNodes[id] = {
      kind: 'task',
      id,
      taskId,
      params: {
        source: `s3://acme-data-lake/events/date=2024-05-${String((i % 28) + 1).padStart(2, '0')}/part-${String(i).padStart(5, '0')}.parquet`,
        batchSize: 500,
        region: 'eu-west-1',
        shard: i,
        columns: ['user_id', 'event_type', 'ts', 'payload'],
      },
      options: { retries: { attempts: 3, backoff: { type: 'exponential', delayMs: 1_000 } }, timeoutMs: 30_000, maxCycles: 10 },
      next: i + 1 < nodes ? [`${TASKS[(i + 1) % TASKS.length]}#${String(i + 1).padStart(4, '0')}`] : [],
    };
  }
  return { name: 'nightly-etl', version: 1, variant, root: Object.keys(graphNodes)[0], nodes: graphNodes };
}

export async function benchStore(redis: { host: string; port: number }): Promise<StoreBenchResult> {
  const client = new Redis({ host: redis.host, port: redis.port });
  try {
    const keyPrefix = `bench:store:${process.pid}`;
    const newStore = () => new GraphStore({ redis: client, keyPrefix, ttlSeconds: 600 });

    // Built up front so the timings hold only the store's work, not building test data.
    const graphs = Array.from({ length: ITERATIONS.save }, (_, i) => workflowGraph(NODES, i + 1));
    const encodedBytes = encodeCanonical(graphs[0]).length;

    const saver = newStore();
    const hashes: string[] = [];
    const save: number[] = [];
    for (const graph of graphs) save.push(await timeUs(async () => hashes.push(await saver.save(graph))));
    const compressedBytes = (await client.getBuffer(saver.keyOf(hashes[0]!)))!.length;

    const loadCold: number[] = [];
    for (let i = 0; i < ITERATIONS.loadCold; i++) {
      const fresh = newStore();
      loadCold.push(await timeUs(() => fresh.load(hashes[i % hashes.length]!)));
    }

    const reader = newStore();
    await reader.load(hashes[0]!);
    const loadCached: number[] = [];
    for (let i = 0; i < ITERATIONS.loadCached; i++) loadCached.push(await timeUs(() => reader.load(hashes[0]!)));

    return {
      nodes: NODES,
      encodedBytes,
      compressedBytes,
      ratio: 1 - compressedBytes / encodedBytes,
      saveP50Us: median(save),
      loadColdP50Us: median(loadCold),
      loadCachedP50Us: median(loadCached),
      iterations: ITERATIONS,
    };
  } finally {
    await client.quit();
  }
}

const us = (n: number) => n.toFixed(1);

/** The store's rows in `npm run bench`. */
export const storeSection: BenchSection = {
  name: 'store',
  async run({ redis }) {
    const r = await benchStore(redis);
    return {
      json: r,
      rows: [
        { metric: `graph size (${r.nodes} nodes), canonical`, value: String(r.encodedBytes), unit: 'B' },
        { metric: 'graph size, zlib level 6', value: String(r.compressedBytes), unit: 'B' },
        { metric: 'compression saving', value: (r.ratio * 100).toFixed(1), unit: '%', target: '>= 60' },
        { metric: 'save p50 (new graph)', value: us(r.saveP50Us), unit: 'µs' },
        { metric: 'load p50 cold (no cache)', value: us(r.loadColdP50Us), unit: 'µs' },
        { metric: 'load p50 cached', value: us(r.loadCachedP50Us), unit: 'µs', target: '< 50' },
      ],
    };
  },
};
