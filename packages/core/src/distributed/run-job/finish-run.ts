import { encodeValue } from '../../codec/value-codec';
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
  Gone = -1,
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
  const { runId, limits } = run;
  const keys = runtime.keys(runId);
  const [field, payload, event] = 'output' in outcome
    ? ['output' as const, encodeValue(outcome.output, 'output of the run', limits.maxPayloadBytes), { status: outcome.status }]
    : ['error' as const, encodeErrorSummary(outcome.error, 'error summary of the run', limits.maxPayloadBytes), { status: outcome.status, error: eventError(outcome.error) }];
  return await scripted(runtime.redis).graflowRunFinish(
    keys.meta, keys.runKeys, keys.events,
    outcome.status, field, payload, limits.ttlSeconds, runChannel(runtime.prefix, runId), run.events ? '1' : '', JSON.stringify(event),
  );
}
