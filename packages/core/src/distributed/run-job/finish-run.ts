import type { RunControl } from '../../channels/channel';
import { decodeValue, encodeValue } from '../../codec/value-codec';
import { eventError } from '../../events/run-event';
import { encodeErrorSummary } from '../outcomes';
import { runChannel } from '../keys';
import type { RunRef } from '../group-instance';
import type { RedisRuntime } from '../redis-runtime';
import { scripted } from '../scripts';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const TERMINAL_STATUSES: readonly string[] = ['succeeded', 'failed', 'cancelled'];

/**
 * How a run ended. A succeeded run whose output could not be stored (over the payload limit)
 * records the error that says so instead of its output.
 */
export type RunOutcome = { status: 'succeeded'; output: unknown } | { status: 'succeeded' | 'failed' | 'cancelled'; error: unknown };

export enum FinishCode {
  /** @public run-finish-5.lua returns it: the run's keys expired. */
  Gone = -1,
  /** @public run-finish-5.lua returns it: another finisher got there first. */
  AlreadyEnded = 0,
  Finished = 1,
}

/**
 * Records how a run ended (status, and its output or error summary) in the run's hash, reports
 * `run:finished`, wakes its followers, and starts the TTL of every key of the run: one atomic
 * step, and the first ending wins (see run-finish.lua). An output over the payload limit throws
 * `PayloadTooLargeError` before anything is written.
 */
export async function finishRun(runtime: RedisRuntime, run: Pick<RunRef, 'runId' | 'limits' | 'events'>, outcome: RunOutcome): Promise<FinishCode> {
  const { keys, args } = finishArgs(runtime, run, outcome);
  return await scripted(runtime.redis).graflowRunFinish(keys.meta, keys.runKeys, keys.events, keys.control, keys.results, ...args, '');
}

/**
 * A producer's run whose graph walk succeeded ends in one round trip: unless a task cancelled it
 * (`cancelled` comes back and nothing is recorded), its output is recorded and its control flags
 * and results come back (see run-finish-5.lua).
 */
export async function completeRun(
  runtime: RedisRuntime,
  run: Pick<RunRef, 'runId' | 'limits' | 'events'>,
  output: unknown,
): Promise<{ cancelled?: { reason?: string }; control: RunControl | undefined; results: Record<string, unknown> }> {
  const { keys, args } = finishArgs(runtime, run, { status: 'succeeded', output });
  const [code, kind, reason, ...flat] = await scripted(runtime.redis).graflowRunFinishBuffer(
    keys.meta, keys.runKeys, keys.events, keys.control, keys.results, ...args, '1',
  );
  const controlKind = kind.toString();
  const controlReason = reason.toString();
  if (code === 2) return { cancelled: controlReason ? { reason: controlReason } : {}, control: undefined, results: {} };
  const control: RunControl | undefined = controlKind === 'terminated' || controlKind === 'cancelled'
    ? { kind: controlKind, ...(controlReason ? { reason: controlReason } : {}) }
    : undefined;
  const results: Record<string, unknown> = {};
  // '' is the placeholder run-claim creates the results hash with; node ids are never empty.
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i]!.length > 0) results[flat[i]!.toString()] = decodeValue(flat[i + 1]!);
  return { control, results };
}

function finishArgs(runtime: RedisRuntime, run: Pick<RunRef, 'runId' | 'limits' | 'events'>, outcome: RunOutcome) {
  const { runId, limits } = run;
  const keys = runtime.keys(runId);
  const [field, payload, event] = 'output' in outcome
    ? ['output' as const, encodeValue(outcome.output, 'output of the run', limits.maxPayloadBytes), { status: outcome.status }]
    : ['error' as const, encodeErrorSummary(outcome.error, 'error summary of the run', limits.maxPayloadBytes), { status: outcome.status, error: eventError(outcome.error) }];
  const args = [outcome.status, field, payload, limits.ttlSeconds, runChannel(runtime.prefix, runId), run.events ? '1' : '', JSON.stringify(event)] as const;
  return { keys, args };
}
