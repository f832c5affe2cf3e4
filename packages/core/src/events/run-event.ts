/**
 * Progress events of a run: the same events in-process (`run({ onEvent })`), on Redis
 * (`run({ onEvent })` with workers) and for submitted runs (`RunHandle.events()`). Names are
 * namespaced (`run:`, `task:`, `group:`) like a lifecycle event map.
 */

/** How an error appears in an event: enough to tell what failed, bounded. */
export interface EventError {
  name: string;
  message: string;
}

/** What every event carries. */
export interface RunEventBase {
  /** Position in the run's event log (a Redis stream id, or a counter in-process); increases. */
  id: string;
  /** When it was recorded, ms since the epoch (Redis' clock on the Redis backend). */
  at: number;
  runId: string;
}

export type RunEventBody =
  | { type: 'run:started'; workerId?: string }
  | { type: 'run:finished'; status: 'succeeded' | 'failed' | 'cancelled'; error?: EventError }
  | { type: 'task:started'; nodeId: string; taskId: string; attempt: number; workerId?: string }
  | { type: 'task:finished'; nodeId: string; taskId: string; attempt: number; ok: boolean; durationMs: number; workerId?: string; error?: EventError }
  /** A group instance started: `groupKey` tells apart visits of one group in a loop. */
  | { type: 'group:dispatched'; groupId: string; groupKey: string; total: number; done: number; ok: number; failed: number }
  /** One more branch of the group ended (counted once, however often it was delivered). */
  | { type: 'group:progress'; groupId: string; groupKey: string; total: number; done: number; ok: number; failed: number }
  | { type: 'group:decided'; groupId: string; groupKey: string; total: number; done: number; ok: number; failed: number; decision: 'succeeded' | 'failed'; reason?: string };

/** One progress event of a run. */
export type RunEvent = RunEventBase & RunEventBody;
export type RunEventType = RunEvent['type'];

/** Where a process reports events: fire and forget, in order; never fails the run. */
export interface EventSink {
  emit(event: RunEventBody): void;
}

export const RUN_EVENT_TYPES: readonly RunEventType[] = [
  'run:started', 'run:finished', 'task:started', 'task:finished', 'group:dispatched', 'group:progress', 'group:decided',
];

/** A bounded view of an error for an event. */
export function eventError(err: unknown): EventError {
  if (err instanceof Error) return { name: err.name, message: clip(err.message, 1_000) };
  return { name: 'Error', message: clip(typeof err === 'string' ? err : String(err), 1_000) };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
