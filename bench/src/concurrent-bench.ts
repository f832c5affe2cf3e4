import { BENCH } from './config';
import { fanOut, withArena } from './distributed-bench';
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
 * long-lived client, against raw BullMQ flows of four children with as many in flight.
 */
export const concurrentSection: BenchSection = {
  name: 'concurrent',
  async run({ redis }) {
    const { runs, inFlight } = BENCH.concurrent;
    const wf = fanOut(4);
    const result = await withArena(redis, 'concurrent', async (arena) => {
      // Warm both sides (graph uploaded, scripts loaded, connections open).
      await saturate(inFlight, inFlight, () => wf.run({ client: arena.client }));
      await saturate(inFlight, inFlight, () => arena.rawFlows.run(4));
      const samples = { graflowMs: [] as number[], rawMs: [] as number[] };
      for (let rep = 0; rep < BENCH.concurrent.reps; rep++) {
        const g = () => saturate(runs, inFlight, () => wf.run({ client: arena.client }));
        const r = () => saturate(runs, inFlight, () => arena.rawFlows.run(4));
        if (rep % 2 === 0) {
          samples.graflowMs.push(await g());
          samples.rawMs.push(await r());
        } else {
          samples.rawMs.push(await r());
          samples.graflowMs.push(await g());
        }
      }
      return samples;
    });
    const best = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const graflow = runs / (best(result.graflowMs) / 1_000);
    const raw = runs / (best(result.rawMs) / 1_000);
    const rows: BenchRow[] = [
      { metric: `${runs} runs of a 4-branch group, ${inFlight} in flight, one client (median of ${BENCH.concurrent.reps})`, value: graflow.toFixed(0), raw: raw.toFixed(0), ratio: ratio(graflow, raw), unit: 'runs/s', target: '>= 0.8x' },
    ];
    return {
      ratios: { concurrent_runs: graflow / raw },
      json: { runs, inFlight, samples: result, runsPerSecond: { graflow, raw } },
      rows,
      notes: [`graflow: wf.run({ client }) through one long-lived client; raw: FlowProducer.add of a 4-child flow, done when QueueEvents reports the parent completed; ratio = graflow / raw runs per second (higher is better)`],
    };
  },
};
