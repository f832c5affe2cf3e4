import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraflowError } from '@graflow/core';

/** Sizes of a soak. `npm run soak` takes them from `SOAK_*` variables; the short test passes its own. */
export interface SoakOptions {
  /** Runs to start. @defaultValue 400 */
  runs: number;
  /** Runs in flight at once. @defaultValue 5 */
  concurrency: number;
  /** Worker processes kept alive (each killed one is replaced). @defaultValue 3 */
  workers: number;
  /** Mean time between worker SIGKILLs, in ms (each wait is jittered ±50%); 0 disables kills. @defaultValue 5000 */
  killIntervalMs: number;
  /** Stop killing after this many kills. @defaultValue 1000 */
  maxKills: number;
  /** Restart Redis (SIGKILL, then start again on its port and AOF) once this many runs have started; 0 never. @defaultValue 40% of `runs` */
  redisRestartAfterRuns: number;
  /** How long Redis stays down during its restart, in ms. @defaultValue 1000 */
  redisDownMs: number;
  /** A run still pending this long after it started is hung. @defaultValue 60000 */
  runDeadlineMs: number;
  /** No run starts after this many ms (runs in flight still finish or hang). @defaultValue 240000 */
  durationCapMs: number;
  /** Seed of the plan (which workflow, which runs fail by design) and of the chaos. @defaultValue random */
  seed: number;
  /** Where worker logs are written (kept after the soak, as evidence). @defaultValue a new directory under the OS temp dir */
  logDir: string;
}

const DEFAULTS = Object.freeze({
  runs: 400,
  concurrency: 5,
  workers: 3,
  killIntervalMs: 5_000,
  maxKills: 1_000,
  redisDownMs: 1_000,
  runDeadlineMs: 60_000,
  durationCapMs: 240_000,
});

/** Each option's environment variable. */
const ENV: Record<keyof SoakOptions, string> = {
  runs: 'SOAK_RUNS',
  concurrency: 'SOAK_CONCURRENCY',
  workers: 'SOAK_WORKERS',
  killIntervalMs: 'SOAK_KILL_INTERVAL_MS',
  maxKills: 'SOAK_MAX_KILLS',
  redisRestartAfterRuns: 'SOAK_REDIS_RESTART_AFTER_RUNS',
  redisDownMs: 'SOAK_REDIS_DOWN_MS',
  runDeadlineMs: 'SOAK_RUN_DEADLINE_MS',
  durationCapMs: 'SOAK_DURATION_CAP_MS',
  seed: 'SOAK_SEED',
  logDir: 'SOAK_LOG_DIR',
};

/** A bad size: the message names the option (or variable) and the value, on one line. */
export class SoakOptionError extends GraflowError {
  static override readonly errorName: string = 'SoakOptionError';

  constructor(message: string) {
    super('INVALID_OPTION', message);
  }
}

type Input = Partial<Record<keyof SoakOptions, string | number>>;

function integer(input: Input, key: keyof SoakOptions, where: string, fallback: number, min: number): number {
  const raw = input[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new SoakOptionError(`${where} must be an integer >= ${min}, got '${raw}'`);
  return value;
}

/**
 * Defaults and validation in one place. `overrides` (the test's sizes) win over `env`; an unknown
 * `SOAK_*` variable is refused, so a typo never silently runs the default soak.
 */
export function resolveSoakOptions(env: NodeJS.ProcessEnv = {}, overrides: Partial<SoakOptions> = {}): SoakOptions {
  const known = new Set(Object.values(ENV));
  const unknown = Object.keys(env).filter((name) => name.startsWith('SOAK_') && !known.has(name));
  if (unknown.length) throw new SoakOptionError(`unknown variable ${unknown[0]}; known: ${[...known].join(', ')}`);
  const input: Input = {};
  const where: Record<string, string> = {};
  for (const key of Object.keys(ENV) as (keyof SoakOptions)[]) {
    if (overrides[key] !== undefined) {
      input[key] = overrides[key];
      where[key] = key;
    } else {
      input[key] = env[ENV[key]];
      where[key] = ENV[key];
    }
  }
  const int = (key: keyof typeof DEFAULTS, min: number) => integer(input, key, where[key]!, DEFAULTS[key], min);
  const runs = int('runs', 1);
  const options: SoakOptions = {
    runs,
    concurrency: int('concurrency', 1),
    workers: int('workers', 1),
    killIntervalMs: int('killIntervalMs', 0),
    maxKills: int('maxKills', 0),
    redisRestartAfterRuns: integer(input, 'redisRestartAfterRuns', where.redisRestartAfterRuns!, Math.max(1, Math.floor(runs * 0.4)), 0),
    redisDownMs: int('redisDownMs', 0),
    runDeadlineMs: int('runDeadlineMs', 1),
    durationCapMs: int('durationCapMs', 1),
    seed: integer(input, 'seed', where.seed!, Math.floor(Math.random() * 2 ** 31), 0),
    logDir: input.logDir ? String(input.logDir) : join(tmpdir(), `graflow-soak-${new Date().toISOString().replace(/[:.]/g, '-')}`),
  };
  if (options.killIntervalMs > 0 && options.killIntervalMs < 500) {
    throw new SoakOptionError(`${where.killIntervalMs} must be 0 (no kills) or >= 500, got '${input.killIntervalMs}'`);
  }
  return options;
}
