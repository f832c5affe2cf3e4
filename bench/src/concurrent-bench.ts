import { BENCH } from './config';
import { BarrierFloor } from './barrier-floor';
import { fanOut, withArena } from './distributed-bench';
import { startFleet } from './fleet';
import type { BenchRow, BenchSection } from './section';
import { ratio, timeMs } from './stats';

/** Runs `total` calls of `one`, at most `inFlight` at once; resolves with the wall time in ms. */
async function saturate(total: number, inFlight: number, one: () => Promise<unknown>): Promise<number> {
  let started = 0;
  const lane = async () => {
    while (started < total) {
      started++;
      await one();
    }
  };
  return await timeMs(() => Promise.all(Array.from({ length: Math.min(inFlight, total) }, lane)));
}

/**
 * Many runs at once: `runs` runs of a four-branch group, `inFlight` at a time, all through one
 * long-lived client, against raw BullMQ flows of four children with as many in flight. A third
 * fleet runs the barrier's floor (raw flows plus only the Redis work of Graflow's barrier, see
 * `barrier-floor.ts`), so the table tells what the contract costs from what Graflow adds to it.
 */
export const concurrentSection: BenchSection = {
  name: 'concurrent',
  async run({ redis }) {
    const { runs, inFlight } = BENCH.concurrent;
    const wf = fanOut(4);
    const result = await withArena(redis, 'concurrent', async (arena) => {
      const prefix = `bench:concurrent-floor:${process.pid}`;
      const fleet = await startFleet('floor', redis, prefix, { processes: BENCH.workers, concurrency: BENCH.concurrency });
      let floor: BarrierFloor | undefined;
      try {
        floor = await BarrierFloor.open(redis.port, prefix);
        const floorRuns = floor;
        const sides = {
          graflow: () => wf.run({ client: arena.client }),
          raw: () => arena.rawFlows.run(4),
          floor: () => floorRuns.run(),
        };
        const order = ['graflow', 'raw', 'floor'] as const;
        // Warm every side (graph uploaded, scripts loaded, connections open).
        for (const side of order) await saturate(inFlight, inFlight, sides[side]);
        const samples = { graflowMs: [] as number[], rawMs: [] as number[], floorMs: [] as number[] };
        for (let rep = 0; rep < BENCH.concurrent.reps; rep++) {
          // Each side takes each place in the order in turn, so drift hits all three alike.
          for (let k = 0; k < order.length; k++) {
            const side = order[(rep + k) % order.length]!;
            samples[`${side}Ms`].push(await saturate(runs, inFlight, sides[side]));
          }
        }
        return samples;
      } finally {
        await floor?.close();
        await fleet.stop();
      }
    });
    const best = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const perSecond = (xs: number[]) => runs / (best(xs) / 1_000);
    const graflow = perSecond(result.graflowMs);
    const raw = perSecond(result.rawMs);
    const floor = perSecond(result.floorMs);
    const reps = BENCH.concurrent.reps;
    const rows: BenchRow[] = [
      { metric: `${runs} runs of a 4-branch group, ${inFlight} in flight, one client (median of ${reps})`, value: graflow.toFixed(0), raw: raw.toFixed(0), ratio: ratio(graflow, raw), unit: 'runs/s', target: '>= 0.8x' },
      { metric: `  floor: raw flows plus only the barrier's Redis work (median of ${reps})`, value: floor.toFixed(0), raw: raw.toFixed(0), ratio: ratio(floor, raw), unit: 'runs/s' },
    ];
    return {
      ratios: { concurrent_runs: graflow / raw },
      json: { runs, inFlight, samples: result, runsPerSecond: { graflow, raw, floor } },
      rows,
      notes: [
        'graflow: wf.run({ client }) through one long-lived client; raw: FlowProducer.add of a 4-child flow, done when QueueEvents reports the parent completed; ratio = graflow / raw runs per second (higher is better)',
        `floor: the raw side plus the run's claim, the barrier's creation, one barrier-record per branch and the run's end through Graflow's scripts, on a third fleet of as many workers; graflow / floor = ${(graflow / floor).toFixed(2)}`,
      ],
    };
  },
};
