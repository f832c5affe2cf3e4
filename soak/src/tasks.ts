/**
 * The soak's tasks. The soak process imports this module (to build graphs and to run each
 * workflow in-process as the reference), and every worker loads the built file with `--tasks`.
 *
 * Each task is deterministic and idempotent: its value depends only on the run id, its node id
 * and its params, and its only channel write is a `set` of such a value. Delivery is
 * at-least-once, so a branch re-run after a SIGKILL must return what the first run would have.
 */
import { createHash } from 'node:crypto';
import { ResultNotFoundError, task, type TaskContext } from '@graflow/core';

/** A run whose id ends with this is designed to fail: its `doomed-run` branches throw. */
export const DOOMED_SUFFIX = '-doomed';

/**
 * When a task throws by design: `always`; `doomed-run` only in runs designed to fail; `ok-run`
 * only in the others (a non-critical branch whose failure its policy absorbs in a normal run, and
 * that stays out of the way when a critical branch fails the group in a doomed run).
 */
export type FailWhen = 'never' | 'always' | 'doomed-run' | 'ok-run';

/** The error every designed failure throws; its class name crosses Redis as `name`. */
export class SoakFailure extends Error {
  override readonly name = 'SoakFailure';
}

/** What every task returns: its own value, and how many steps led to it in its chain. */
export interface SoakValue {
  k: number;
  h: string;
  depth: number;
}

export interface LeafParams {
  k: number;
  /** How long the task works (it stops early on its AbortSignal). */
  ms: number;
  fail?: FailWhen;
}

export interface StepParams extends LeafParams {
  /** Node id of the chain step before this one; its value feeds this one. */
  prev: string;
}

export interface NoteParams {
  key: string;
  k: number;
}

export interface TotalParams {
  /** Node ids whose results are folded in (a failed one counts as missing). */
  ids: string[];
  /** Channel keys whose values are folded in. */
  keys: string[];
}

export function digest(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 12);
}

function failsNow(when: FailWhen | undefined, runId: string): boolean {
  const doomed = runId.endsWith(DOOMED_SUFFIX);
  return when === 'always' || (when === 'doomed-run' && doomed) || (when === 'ok-run' && !doomed);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function work(ctx: TaskContext<LeafParams>): Promise<void> {
  await pause(ctx.params.ms, ctx.signal);
  if (failsNow(ctx.params.fail, ctx.runId)) throw new SoakFailure(`${ctx.taskId} fails by design (${ctx.params.fail})`);
}

/** A branch's unit of work: its value proves the worker saw the right run id, node id and params. */
export const leaf = task('soak-leaf', async (ctx: TaskContext<LeafParams>): Promise<SoakValue> => {
  await work(ctx);
  return { k: ctx.params.k, h: digest(ctx.runId, ctx.taskId, ctx.params.k), depth: 0 };
});

/** A chain step: reads the previous step's result, so results must flow between steps. */
export const step = task('soak-step', async (ctx: TaskContext<StepParams>): Promise<SoakValue> => {
  const prev = await ctx.getResult<SoakValue>(ctx.params.prev);
  await work(ctx);
  return { k: prev.k + ctx.params.k, h: digest(prev.h, ctx.taskId, ctx.params.k), depth: prev.depth + 1 };
});

/**
 * Fails its first attempt and succeeds on the next (retried by BullMQ for a lone branch, inside
 * the branch in a chain). The attempt number stays out of the value, which must not depend on
 * how many times a kill made the task run.
 */
export const flaky = task(
  'soak-flaky',
  async (ctx: TaskContext<LeafParams>): Promise<SoakValue> => {
    await work(ctx);
    if (ctx.attempt === 1) throw new SoakFailure(`${ctx.taskId} fails its first attempt`);
    return { k: ctx.params.k, h: digest(ctx.runId, ctx.taskId, 'flaky', ctx.params.k), depth: 0 };
  },
  { retries: { attempts: 3, backoff: { type: 'fixed', delayMs: 50 } } },
);

/** Writes one channel value with `set` (idempotent, unlike `append` or `incr`). */
export const note = task('soak-note', async (ctx: TaskContext<NoteParams>): Promise<SoakValue> => {
  const h = digest(ctx.runId, ctx.params.key, ctx.params.k);
  await ctx.channel.set(ctx.params.key, { h, at: new Date(Date.UTC(2024, 0, 1 + ctx.params.k)) });
  return { k: ctx.params.k, h, depth: 0 };
});

/** Values msgpack must carry intact across processes: Date, Map, BigInt, Buffer. */
export const typed = task('soak-typed', (ctx: TaskContext<{ k: number }>) => {
  const { k } = ctx.params;
  return {
    at: new Date(Date.UTC(2020, 1, k)),
    big: BigInt(k) ** 20n,
    tags: new Map<string, number>([['k', k], ['sq', k * k]]),
    raw: Buffer.from(digest(ctx.runId, k), 'utf8'),
  };
});

/** The workflow's last step: folds the named results and channel values into one value. */
export const total = task('soak-total', async (ctx: TaskContext<TotalParams>) => {
  const found: Record<string, string | null> = {};
  for (const id of ctx.params.ids) {
    try {
      found[id] = (await ctx.getResult<SoakValue>(id)).h;
    } catch (err) {
      if (!(err instanceof ResultNotFoundError)) throw err;
      found[id] = null; // a branch that failed by design has no result
    }
  }
  const notes: Record<string, unknown> = {};
  for (const key of ctx.params.keys) notes[key] = await ctx.channel.get(key);
  const present = Object.values(found).filter((h) => h !== null).length;
  return { present, missing: ctx.params.ids.length - present, h: digest(found), notes };
});
