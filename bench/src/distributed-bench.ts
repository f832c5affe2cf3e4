import { parallel, task, workflow, type Workflow } from '@graflow/core';
import { noop } from './bench-tasks';
import { BENCH } from './config';
import { startFleet, type Fleet } from './fleet';
import { RawFlows } from './raw-flows';
import type { BenchRow, BenchSection } from './run';
import { median, ms, percentile, ratio, timeMs } from './stats';

type Redis = { host: string; port: number };

/**
 * Graflow and raw BullMQ side by side on one Redis: the same number of worker processes and the
 * same concurrency each, on separate key prefixes, both fleets up for the whole section.
 */
export interface Arena {
  /** Wall time (ms) of `wf.run()` of one distributed group of `branches` no-ops. */
  graflow(branches: number): Promise<number>;
  /** Wall time (ms) of FlowProducer.add with `branches` children until the parent completes. */
  raw(branches: number): Promise<number>;
  /** Runs one rep of each side, alternating which goes first so drift hits both alike. */
  pair(branches: number, rep: number): Promise<{ graflow: number; raw: number }>;
}

const fanOuts = new Map<number, Workflow>();

/** One workflow per size: its root is a single parallel group of `branches` no-op branches. */
export function fanOut(branches: number): Workflow {
  let wf = fanOuts.get(branches);
  if (!wf) {
    wf = workflow(`bench-fan-${branches}`, () => parallel(...Array.from({ length: branches }, (_, i) => noop.bind({ i }))));
    fanOuts.set(branches, wf);
  }
  return wf;
}

export function runOptions(redis: Redis, keyPrefix: string) {
  return { queueBackend: 'redis' as const, config: { host: redis.host, port: redis.port, keyPrefix } };
}

/** Starts both fleets, runs `body`, and stops what it started. */
export async function withArena<T>(redis: Redis, name: string, body: (arena: Arena) => Promise<T>): Promise<T> {
  const base = `bench:${name}:${process.pid}`;
  const sizes = { processes: BENCH.workers, concurrency: BENCH.concurrency };
  const fleets: Fleet[] = [];
  let raw: RawFlows | undefined;
  try {
    fleets.push(await startFleet('graflow', redis, `${base}:graflow`, sizes));
    fleets.push(await startFleet('raw', redis, `${base}:raw`, sizes));
    raw = await RawFlows.open(redis, `${base}:raw`);
    const rawFlows = raw;
    const options = runOptions(redis, `${base}:graflow`);
    const checked = new Set<number>();
    const arena: Arena = {
      graflow: async (branches) => {
        const wf = fanOut(branches);
        let output: unknown;
        const elapsed = await timeMs(async () => ({ output } = await wf.run(options)));
        if (!checked.has(branches)) {
          const got = Object.keys(output as Record<string, unknown>).length;
          if (got !== branches) throw new Error(`graflow group of ${branches} returned ${got} branch values`);
          checked.add(branches);
        }
        return elapsed;
      },
      raw: (branches) => timeMs(() => rawFlows.run(branches)),
      pair: async (branches, rep) => {
        if (rep % 2 === 0) {
          const g = await arena.graflow(branches);
          return { graflow: g, raw: await arena.raw(branches) };
        }
        const r = await arena.raw(branches);
        return { graflow: await arena.graflow(branches), raw: r };
      },
    };
    return await body(arena);
  } finally {
    await raw?.close();
    await Promise.all(fleets.map((f) => f.stop()));
  }
}

/** Alternating reps of one size after `warmup` unrecorded runs each; samples in ms. */
async function samplePairs(arena: Arena, branches: number, reps: number, warmup = 1): Promise<{ graflow: number[]; raw: number[] }> {
  for (let i = 0; i < warmup; i++) await arena.pair(branches, i);
  const out = { graflow: [] as number[], raw: [] as number[] };
  for (let rep = 0; rep < reps; rep++) {
    const { graflow, raw } = await arena.pair(branches, rep);
    out.graflow.push(graflow);
    out.raw.push(raw);
  }
  return out;
}

const fleetNote = () =>
  `both sides: ${BENCH.workers} worker processes x concurrency ${BENCH.concurrency} (child processes), same private redis-server, separate key prefixes`;

/** Workload 1: branches per second of one group of 1,000 no-op branches. */
export const throughputSection: BenchSection = {
  name: 'throughput',
  async run({ redis }) {
    const { branches, reps } = BENCH.throughput;
    const samples = await withArena(redis, 'throughput', (arena) => samplePairs(arena, branches, reps));
    const perSecond = (msMedian: number) => branches / (msMedian / 1_000);
    const graflow = perSecond(median(samples.graflow));
    const raw = perSecond(median(samples.raw));
    return {
      json: { branches, reps, samplesMs: samples, branchesPerSecond: { graflow, raw } },
      rows: [{ metric: `group of ${branches} no-op branches (median of ${reps})`, value: graflow.toFixed(0), raw: raw.toFixed(0), ratio: ratio(graflow, raw), unit: 'branches/s' }],
      notes: [
        `branches/s = ${branches} / median wall time of one group; ratio = graflow / raw (below 1x is slower than raw)`,
        fleetNote(),
      ],
    };
  },
};

/** A workflow whose only node is a task: what `wf.run()` costs on the Redis backend without a group. */
const soloTask = task('bench-solo', () => 1);
const solo = workflow('bench-solo', () => soloTask);

/** Workload 2: dispatch-to-barrier time for groups of N branches. */
export const dispatchSection: BenchSection = {
  name: 'dispatch',
  async run({ redis }) {
    const { sizes, reps, repsLarge } = BENCH.dispatch;
    const result = await withArena(redis, 'dispatch', async (arena) => {
      const bySize: Record<string, { reps: number; graflowMs: number[]; rawMs: number[] }> = {};
      for (const n of sizes) {
        const r = n >= 1_000 ? repsLarge : reps;
        const s = await samplePairs(arena, n, r);
        bySize[n] = { reps: r, graflowMs: s.graflow, rawMs: s.raw };
      }
      const options = runOptions(redis, `bench:dispatch:${process.pid}:graflow`);
      await solo.run(options);
      const overhead: number[] = [];
      for (let i = 0; i < reps; i++) overhead.push(await timeMs(() => solo.run(options)));
      return { bySize, runOverheadMs: overhead };
    });
    const rows: BenchRow[] = sizes.map((n) => {
      const s = result.bySize[n]!;
      const g = median(s.graflowMs);
      const r = median(s.rawMs);
      return { metric: `dispatch -> barrier, N = ${n} (median of ${s.reps})`, value: ms(g), raw: ms(r), ratio: ratio(g, r), unit: 'ms' };
    });
    rows.push({ metric: `wf.run() of one task, no group (median of ${reps})`, value: ms(median(result.runOverheadMs)), unit: 'ms' });
    return {
      json: result,
      rows,
      notes: [
        'graflow = wall time of wf.run() for one group of N no-ops (connect, upload graph, one flow, BLPOP on the barrier wake list, read outcomes, close); it ends when the last branch records, before the parent job runs',
        'raw = FlowProducer.add of N children (long-lived producer connection) until QueueEvents reports the parent completed, i.e. after the raw worker ran the parent too',
        "'wf.run() of one task' is the fixed per-run cost of the Redis backend (connections, run state) with no distributed group; raw keeps its connections open across runs",
        fleetNote(),
      ],
    };
  },
};

/** Workload 3: round trip of a four-branch group. */
export const roundTripSection: BenchSection = {
  name: 'roundtrip',
  async run({ redis }) {
    const { runs, warmup } = BENCH.roundTrip;
    const samples = await withArena(redis, 'roundtrip', (arena) => samplePairs(arena, 4, runs, warmup));
    const row = (label: string, q: number): BenchRow => {
      const g = percentile(samples.graflow, q);
      const r = percentile(samples.raw, q);
      return { metric: `4-branch group round trip ${label} (${runs} runs)`, value: ms(g), raw: ms(r), ratio: ratio(g, r), unit: 'ms' };
    };
    return {
      json: { runs, warmup, samplesMs: samples },
      rows: [row('p50', 0.5), row('p99', 0.99)],
      notes: [`${warmup} warm-up runs each, then ${runs} sequential runs each, graflow and raw alternating; same definitions of graflow and raw as in dispatch`],
    };
  },
};
