/**
 * Sizes of the distributed sections. The defaults are the issue's workloads; `BENCH_QUICK=1`
 * shrinks everything for a smoke run, and each size can be set on its own.
 *
 * BENCH_SECTIONS=import,store,commands,throughput,dispatch,roundtrip,concurrent,rss   run only these sections
 * BENCH_WORKERS=2 BENCH_CONCURRENCY=50                        worker processes x jobs each, both sides
 * BENCH_THROUGHPUT_BRANCHES=1000 BENCH_THROUGHPUT_REPS=11
 * BENCH_DISPATCH_SIZES=10,100,1000,10000,100000 BENCH_DISPATCH_REPS=21 BENCH_DISPATCH_REPS_LARGE=7 BENCH_DISPATCH_REPS_HUGE=1
 *
 * A group of 100 no-ops takes about 70 ms and one run's wall time swings by 10-20% on a shared
 * 2-core box; groups up to 1,000 (under 0.5 s a run) get enough repetitions that their medians
 * move less than the targets' margins between two runs of the bench.
 * BENCH_ROUNDTRIP_RUNS=200 BENCH_ROUNDTRIP_WARMUP=20
 * BENCH_CONCURRENT_RUNS=1000 BENCH_CONCURRENT_IN_FLIGHT=100 BENCH_CONCURRENT_REPS=3 BENCH_COMMANDS_BRANCHES=100
 * BENCH_RSS_GRAPHS=10000 BENCH_RSS_SECONDS=240 BENCH_RSS_PARALLEL=32 BENCH_STORE_CACHE_GRAPHS=10000
 */
const quick = process.env.BENCH_QUICK === '1';

function int(name: string, full: number, small: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return quick ? small : full;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

function ints(name: string, full: number[], small: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return quick ? small : full;
  return raw.split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a comma list of positive integers, got '${raw}'`);
    return value;
  });
}

export const BENCH = {
  quick,
  /** Section names to run, or undefined for all. */
  sections: process.env.BENCH_SECTIONS ? process.env.BENCH_SECTIONS.split(',').map((s) => s.trim()) : undefined,
  workers: int('BENCH_WORKERS', 2, 2),
  concurrency: int('BENCH_CONCURRENCY', 50, 50),
  throughput: { branches: int('BENCH_THROUGHPUT_BRANCHES', 1_000, 200), reps: int('BENCH_THROUGHPUT_REPS', 11, 2) },
  dispatch: {
    sizes: ints('BENCH_DISPATCH_SIZES', [10, 100, 1_000, 10_000, 100_000], [10, 100]),
    reps: int('BENCH_DISPATCH_REPS', 21, 3),
    /** Repetitions for 10,000 <= N < 100,000. */
    repsLarge: int('BENCH_DISPATCH_REPS_LARGE', 7, 2),
    /** Repetitions for N >= 100,000 (each side). */
    repsHuge: int('BENCH_DISPATCH_REPS_HUGE', 1, 1),
  },
  /** The group size whose per-branch Redis work `commands` counts. */
  commands: { branches: int('BENCH_COMMANDS_BRANCHES', 100, 100) },
  /** Many runs at once through one client. */
  concurrent: { runs: int('BENCH_CONCURRENT_RUNS', 1_000, 200), inFlight: int('BENCH_CONCURRENT_IN_FLIGHT', 100, 50), reps: int('BENCH_CONCURRENT_REPS', 3, 1) },
  roundTrip: { runs: int('BENCH_ROUNDTRIP_RUNS', 200, 30), warmup: int('BENCH_ROUNDTRIP_WARMUP', 20, 5) },
  rss: {
    graphs: int('BENCH_RSS_GRAPHS', 10_000, 300),
    /** Stop dispatching new graphs after this long and report the count reached. */
    seconds: int('BENCH_RSS_SECONDS', 240, 30),
    /** Workflows in flight at once. */
    parallel: int('BENCH_RSS_PARALLEL', 32, 16),
    storeGraphs: int('BENCH_STORE_CACHE_GRAPHS', 10_000, 1_000),
  },
};
