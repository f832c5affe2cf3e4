import { connect, parallel, task, workflow, type GraflowClient, type Workflow } from '@graflow/core';
import { noop } from './bench-tasks';
import { BENCH } from './config';
import { startFleet, type Fleet } from './fleet';
import { RawFlows } from './raw-flows';
import type { BenchRow, BenchSection } from './section';
import { median, mib, ms, percentile, ratio, timeMs } from './stats';

type Redis = { host: string; port: number };

/**
 * Graflow and raw BullMQ side by side on one Redis: the same number of worker processes and the
 * same concurrency each, on separate key prefixes, both fleets up for the whole section.
 */
export interface Arena {
  /** Wall time (ms) of `wf.run({ client })` of one distributed group of `branches` no-ops. */
  graflow(branches: number): Promise<number>;
  /** The same through the per-run `config` shorthand (the run connects and disconnects). */
  graflowPerRunConnect(branches: number): Promise<number>;
  /** The long-lived client the Graflow side runs through, as a service would. */
  readonly client: GraflowClient;
  /** The raw side's flows, for workloads of their own. */
  readonly rawFlows: RawFlows;
  readonly fleets: Fleet[];
  /** Wall time (ms) of FlowProducer.add with `branches` children until the parent completes. */
  raw(branches: number): Promise<number>;
  /** The side running now in this process, for attributing the producer's memory. */
  readonly running: 'graflow' | 'raw' | undefined;
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
  let client: GraflowClient | undefined;
  try {
    fleets.push(await startFleet('graflow', redis, `${base}:graflow`, sizes));
    fleets.push(await startFleet('raw', redis, `${base}:raw`, sizes));
    raw = await RawFlows.open(redis, `${base}:raw`);
    client = await connect({ host: redis.host, port: redis.port, keyPrefix: `${base}:graflow` });
    const rawFlows = raw;
    const options = { client };
    const perRunConnect = runOptions(redis, `${base}:graflow`);
    const checked = new Set<number>();
    let running: Arena['running'];
    const as = async <T>(side: 'graflow' | 'raw', work: () => Promise<T>): Promise<T> => {
      running = side;
      try {
        return await work();
      } finally {
        running = undefined;
      }
    };
    const arena: Arena = {
      get running() {
        return running;
      },
      client,
      rawFlows,
      fleets,
      graflowPerRunConnect: (branches) => timeMs(() => fanOut(branches).run(perRunConnect)),
      graflow: async (branches) => {
        const wf = fanOut(branches);
        let output: unknown;
        const elapsed = await as('graflow', () => timeMs(async () => ({ output } = await wf.run(options))));
        if (!checked.has(branches)) {
          const got = Object.keys(output as Record<string, unknown>).length;
          if (got !== branches) throw new Error(`graflow group of ${branches} returned ${got} branch values`);
          checked.add(branches);
        }
        return elapsed;
      },
      raw: (branches) => as('raw', () => timeMs(() => rawFlows.run(branches))),
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
    await client?.close();
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
      ratios: { throughput: graflow / raw },
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

/** Reps of one dispatch size: fewer as groups grow (a 100,000-branch group may run once). */
function repsFor(n: number): { reps: number; warmup: number } {
  const { reps, repsLarge, repsHuge } = BENCH.dispatch;
  if (n >= 100_000) return { reps: repsHuge, warmup: 0 };
  if (n >= 10_000) return { reps: repsLarge, warmup: 0 };
  return { reps, warmup: 1 };
}

/**
 * Peak RSS of each worker process while `work` runs, and of this process while each side's runs
 * were going (this process is both sides' producer; RSS rarely shrinks, so the side that runs
 * second also carries what the first left behind).
 */
async function peakRss<T>(arena: Arena, work: () => Promise<T>): Promise<{ result: T; producer: Record<string, number>; workers: Record<string, number[]> }> {
  const { fleets } = arena;
  const producer: Record<string, number> = {};
  const workers: Record<string, number[]> = Object.fromEntries(fleets.map((f) => [f.mode, f.pids.map(() => 0)]));
  let sampling = true;
  const sample = async () => {
    while (sampling) {
      const side = arena.running;
      if (side) producer[side] = Math.max(producer[side] ?? 0, process.memoryUsage().rss);
      for (const f of fleets) {
        const reports = await f.memory().catch(() => []);
        reports.forEach((r, i) => (workers[f.mode]![i] = Math.max(workers[f.mode]![i]!, r.rss)));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const sampler = sample();
  try {
    return { result: await work(), producer, workers };
  } finally {
    sampling = false;
    await sampler;
  }
}

/** Workload 2: dispatch-to-barrier time for groups of N branches (N up to 100,000). */
export const dispatchSection: BenchSection = {
  name: 'dispatch',
  async run({ redis }) {
    const { sizes } = BENCH.dispatch;
    const largest = Math.max(...sizes);
    const result = await withArena(redis, 'dispatch', async (arena) => {
      const bySize: Record<string, { reps: number; graflowMs: number[]; rawMs: number[] }> = {};
      let peak: { branches: number; producer: Record<string, number>; workers: Record<string, number[]> } | undefined;
      for (const n of sizes) {
        const { reps, warmup } = repsFor(n);
        if (n === largest && n >= 10_000) {
          const measured = await peakRss(arena, () => samplePairs(arena, n, reps, warmup));
          bySize[n] = { reps, graflowMs: measured.result.graflow, rawMs: measured.result.raw };
          peak = { branches: n, producer: measured.producer, workers: measured.workers };
        } else {
          const s = await samplePairs(arena, n, reps, warmup);
          bySize[n] = { reps, graflowMs: s.graflow, rawMs: s.raw };
        }
      }
      const perRunConnect: number[] = [];
      await arena.graflowPerRunConnect(10);
      for (let i = 0; i < BENCH.dispatch.reps; i++) perRunConnect.push(await arena.graflowPerRunConnect(10));
      const options = { client: arena.client };
      await solo.run(options);
      const overhead: number[] = [];
      for (let i = 0; i < BENCH.dispatch.reps; i++) overhead.push(await timeMs(() => solo.run(options)));
      return { bySize, perRunConnectMs: perRunConnect, runOverheadMs: overhead, peakRss: peak };
    });
    const rows: BenchRow[] = sizes.map((n) => {
      const s = result.bySize[n]!;
      const g = median(s.graflowMs);
      const r = median(s.rawMs);
      return { metric: `dispatch -> barrier, N = ${n} (median of ${s.reps})`, value: ms(g), raw: ms(r), ratio: ratio(g, r), unit: 'ms', target: n <= 10 ? '<= 1.3x' : n <= 1_000 ? '<= 1.25x' : '<= 1.3x' };
    });
    const raw10 = median(result.bySize[10]?.rawMs ?? [Number.NaN]);
    rows.push({ metric: `N = 10 with the per-run config shorthand (connects per run)`, value: ms(median(result.perRunConnectMs)), raw: ms(raw10), ratio: ratio(median(result.perRunConnectMs), raw10), unit: 'ms' });
    rows.push({ metric: `wf.run({ client }) of one task, no group (median of ${BENCH.dispatch.reps})`, value: ms(median(result.runOverheadMs)), unit: 'ms' });
    if (result.peakRss) {
      const { branches, producer, workers } = result.peakRss;
      rows.push({ metric: `peak RSS during the ${branches}-branch groups: producer (this process)`, value: mib(producer.graflow ?? Number.NaN), raw: mib(producer.raw ?? Number.NaN), unit: 'MiB' });
      (workers.graflow ?? []).forEach((rss, i) => rows.push({ metric: `  worker ${i + 1}`, value: mib(rss), raw: mib(workers.raw?.[i] ?? Number.NaN), unit: 'MiB' }));
    }
    const ratios = Object.fromEntries(sizes.map((n) => [`dispatch_${n}`, median(result.bySize[n]!.graflowMs) / median(result.bySize[n]!.rawMs)]));
    return {
      ratios,
      json: result,
      rows,
      notes: [
        'graflow = wall time of wf.run({ client }) for one group of N no-ops (long-lived client: claim the run id, one flow, wait for the barrier\'s wake-up, read the outcomes); it ends when the last branch records, before the parent job runs',
        'raw = FlowProducer.add of N children (long-lived producer connection) until QueueEvents reports the parent completed, i.e. after the raw worker ran the parent too',
        'the per-run config row is the same N = 10 group through wf.run({ queueBackend, config }): it opens and closes its connections each run',
        'producer peak RSS: this process while each side\'s largest groups ran (it is both sides\' producer; Graflow\'s first rep runs first, and RSS rarely shrinks, so the raw figure also carries what Graflow left)',
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
      ratios: {
        roundtrip_p50: percentile(samples.graflow, 0.5) / percentile(samples.raw, 0.5),
        roundtrip_p99: percentile(samples.graflow, 0.99) / percentile(samples.raw, 0.99),
      },
      json: { runs, warmup, samplesMs: samples },
      rows: [row('p50', 0.5), row('p99', 0.99)],
      notes: [`${warmup} warm-up runs each, then ${runs} sequential runs each, graflow and raw alternating; same definitions of graflow and raw as in dispatch`],
    };
  },
};
