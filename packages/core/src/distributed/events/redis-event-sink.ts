import type { EventSink, RunEventBody } from '../../events/run-event';
import { runChannel } from '../keys';
import type { RedisRuntime } from '../redis-runtime';
import { scripted, type ScriptClient } from '../scripts';

/**
 * Reports a process's events (run started, task started and finished) to the run's stream.
 * Fire and forget on the runtime's one command connection, so events keep their order relative
 * to the process's other writes (a branch's task:finished lands before its group:progress).
 */
export class RedisEventSink implements EventSink {
  private readonly redis: ScriptClient;
  private readonly key: string;
  private readonly channel: string;

  constructor(runtime: RedisRuntime, runId: string, private readonly ttlSeconds: number) {
    this.redis = scripted(runtime.redis);
    this.key = runtime.keys(runId).events;
    this.channel = runChannel(runtime.prefix, runId);
  }

  emit(body: RunEventBody): void {
    const { type, ...fields } = body;
    // A lost event is not worth failing a task over; the run's state stays the truth.
    void this.redis.graflowRunEvent(this.key, this.channel, this.ttlSeconds, type, JSON.stringify(fields)).catch(() => undefined);
  }
}

/** The sink of a run with events on, or none. */
export function eventSinkOf(runtime: RedisRuntime, run: { runId: string; events?: boolean; limits: { ttlSeconds: number } }): RedisEventSink | undefined {
  return run.events ? new RedisEventSink(runtime, run.runId, run.limits.ttlSeconds) : undefined;
}
