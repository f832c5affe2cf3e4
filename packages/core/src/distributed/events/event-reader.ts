import { RUN_EVENT_TYPES, type RunEvent, type RunEventType } from '../../events/run-event';
import { RunNotFoundError } from '../../errors/run-errors';
import { linkedController, raceSignal } from '../../util/signals';
import { runChannel } from '../keys';
import type { ProducerClient } from '../producer/producer-client';
import { LOOK_AGAIN_MS } from '../run-job/channel-watch';
import { TERMINAL_STATUSES } from '../run-job/finish-run';

/** Entries read per XRANGE call. */
const PAGE = 500;

/** The stream id right after `id` (XRANGE's start is inclusive). */
function after(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${Number(seq) + 1}`;
}

function parseEntry(runId: string, id: string, fields: string[]): RunEvent | undefined {
  const raw: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) raw[fields[i]!] = fields[i + 1]!;
  if (!RUN_EVENT_TYPES.includes(raw.t as RunEventType)) return undefined;
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(raw.d ?? '{}') as Record<string, unknown>;
  } catch {
    // a foreign or damaged entry: keep its type and position
  }
  return { type: raw.t, runId, id, at: Number(id.split('-')[0]), ...data } as RunEvent;
}

/**
 * A run's events from the first one still kept, in order, then live until the run finishes:
 * XRANGE from the last id seen, woken by the run's channel (subscribed before the first read, so
 * nothing falls between). Ends after `run:finished`, when the run ended without one (events
 * off), when its keys are gone, or quietly when `stop` fires; throws when `outage` fires.
 */
export async function* readRunEvents(client: ProducerClient, runId: string, stop: AbortSignal): AsyncGenerator<RunEvent> {
  const { runtime } = client;
  const keys = runtime.keys(runId);
  // Linked, not AbortSignal.any: the client's outage signal lives as long as the client.
  const linked = linkedController(stop, client.health.signal);
  const { signal } = linked.controller;
  const watch = await client.watches.watch(runChannel(runtime.prefix, runId)).catch((err: unknown) => {
    linked.dispose();
    throw err;
  });
  let last = '0-0';
  let seen = 0;
  let endedAt: string | undefined;
  try {
    for (;;) {
      if (stop.aborted) return;
      const entries = await raceSignal(runtime.redis.xrange(keys.events, after(last), '+', 'COUNT', PAGE), signal).catch((err: unknown) => {
        if (stop.aborted) return undefined;
        throw err;
      });
      if (!entries) return;
      for (const [id, fields] of entries) {
        last = id;
        const event = parseEntry(runId, id, fields);
        if (!event) continue;
        seen++;
        yield event;
        if (event.type === 'run:finished') return;
      }
      if (entries.length === PAGE) continue;
      // The status is written in the same step as run:finished: a terminal status seen here means
      // the event (if the run has events) is in the stream now, so one more read finds it.
      if (endedAt !== undefined) return;
      const status = await raceSignal(runtime.redis.hget(keys.meta, 'status'), signal).catch((err: unknown) => {
        if (stop.aborted) return undefined;
        throw err;
      });
      if (stop.aborted) return;
      if (status === null) {
        if (seen === 0) throw new RunNotFoundError(runId, runtime.prefix);
        return;
      }
      if (status && TERMINAL_STATUSES.includes(status)) {
        endedAt = status;
        continue;
      }
      await watch.next(LOOK_AGAIN_MS, signal);
      if (client.health.signal.aborted && !stop.aborted) throw client.health.signal.reason;
    }
  } finally {
    watch.dispose();
    linked.dispose();
  }
}
