import { decodeValue } from '../../codec/value-codec';
import type { RunResult } from '../../engine/run-result';
import { WorkflowCancelledError } from '../../errors';
import { RunFailedError, RunNotFoundError } from '../../errors/run-errors';
import type { RunEvent } from '../../events/run-event';
import { linkedController, raceSignal } from '../../util/signals';
import { readRunEvents } from '../events/event-reader';
import { runChannel } from '../keys';
import { remoteError } from '../outcomes';
import type { ProducerClient } from '../producer/producer-client';
import { cancelRun } from './cancel-run';
import { endRunOfFailedJob } from './failed-run-job';
import { LOOK_AGAIN_MS, type ChannelWatch } from './channel-watch';
import type { RunStatus } from './finish-run';
import { runLimitsOf } from './run-meta';


const STATUSES: readonly string[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

/** A run as any process sees it through a client: its status, its ending, its events. */
export class RunView {
  constructor(
    private readonly client: ProducerClient,
    readonly runId: string,
  ) {}

  async status(): Promise<RunStatus> {
    const { runtime } = this.client;
    const read = () => raceSignal(runtime.redis.hget(runtime.keys(this.runId).meta, 'status'), this.client.health.signal);
    let status = await read();
    // A run whose job failed without recording its ending is failed, not running forever.
    if ((status === 'queued' || status === 'running') && (await raceSignal(endRunOfFailedJob(runtime, this.runId), this.client.health.signal))) status = await read();
    if (status === null || !STATUSES.includes(status)) throw new RunNotFoundError(this.runId, runtime.prefix);
    return status as RunStatus;
  }

  /**
   * Waits for the run to end: its `RunResult`, or its error rebuilt as the same class. Wakes on
   * the run's channel (subscribed before the first read, so an ending between the two is seen).
   */
  async result<T>(stop: AbortSignal): Promise<RunResult<T>> {
    // Linked, not AbortSignal.any: the client's outage signal lives as long as the client.
    const linked = linkedController(stop, this.client.health.signal);
    const { signal } = linked.controller;
    try {
      const watch = await raceSignal(this.client.watches.watch(runChannel(this.client.runtime.prefix, this.runId)), signal);
      try {
        return await this.waitForEnd<T>(watch, signal);
      } finally {
        watch.dispose();
      }
    } finally {
      linked.dispose();
    }
  }

  private async waitForEnd<T>(watch: ChannelWatch, signal: AbortSignal): Promise<RunResult<T>> {
    const { runtime } = this.client;
    const keys = runtime.keys(this.runId);
    let jobLookedAt = -Infinity;
    for (;;) {
      const [status, output, error, ttl] = await raceSignal(runtime.redis.hmgetBuffer(keys.meta, 'status', 'output', 'error', 'ttl'), signal);
      if (status === null) throw new RunNotFoundError(this.runId, runtime.prefix);
      const s = status.toString();
      // Not ended: is its job still able to end it? Looked at first, then once per LOOK_AGAIN_MS.
      if ((s === 'queued' || s === 'running') && Date.now() - jobLookedAt >= LOOK_AGAIN_MS) {
        jobLookedAt = Date.now();
        if (await raceSignal(endRunOfFailedJob(runtime, this.runId), signal)) continue;
      }
      if (s === 'succeeded') {
        // Succeeded, but its output was over the payload limit: the recorded error says so.
        if (!output && error) throw remoteError(decodeValue(error));
        const results = await raceSignal(runtime.runState(this.runId, runLimitsOf(ttl?.toString() ?? null)).results(), signal);
        return { runId: this.runId, output: (output ? decodeValue(output) : undefined) as T, results };
      }
      if (s === 'failed' || s === 'cancelled') {
        if (error) throw remoteError(decodeValue(error));
        throw s === 'cancelled' ? new WorkflowCancelledError() : new RunFailedError(this.runId);
      }
      await watch.next(LOOK_AGAIN_MS, signal);
      if (signal.aborted) throw signal.reason;
    }
  }

  cancel(reason?: string): Promise<boolean> {
    return raceSignal(cancelRun(this.client.runtime, this.runId, reason), this.client.health.signal);
  }

  events(stop: AbortSignal): AsyncGenerator<RunEvent> {
    return readRunEvents(this.client, this.runId, stop);
  }
}
