import { NoWorkerActivityError } from '../errors';
import type { GroupNode } from '../graph/types';
import type { BranchRunner, GroupExecutor, Scope } from '../engine/scope';
import type { Redis } from 'ioredis';
import type { Decision } from './barrier';
import { cancelGroup } from './cancel';
import { dispatchGroup } from './dispatch-group';
import { branchQueueOf, type GroupInstance, type RunLimits } from './group-instance';
import { settleDecided } from './outcomes';
import type { RedisRuntime } from './redis-runtime';

/** How long one blocking wait lasts before the watchdog looks around (not a polling interval). */
const WATCHDOG_SLICE_MS = 2_000;

/**
 * Runs a group on the worker fleet from the producer: dispatch one flow, then block on the
 * barrier's wake list. The branch that closes the barrier wakes this wait at once.
 */
export class ProducerGroupExecutor implements GroupExecutor {
  constructor(
    private readonly runtime: RedisRuntime,
    private readonly runId: string,
    private readonly limits: RunLimits,
  ) {}

  async executeGroup(group: GroupNode, scope: Scope, _runBranch: BranchRunner): Promise<Record<string, unknown>> {
    const instance = await dispatchGroup({
      runtime: this.runtime, runId: this.runId, graph: scope.graph, group, path: scope.path, limits: this.limits, outerCancelKeys: [],
    });
    const { decision, reason } = await this.waitForDecision(instance, scope.signal);
    if (decision === 'failed') await cancelGroup(this.runtime, instance);
    return settleDecided(instance, decision, reason, this.runtime.prefix);
  }

  private async waitForDecision(instance: GroupInstance, signal: AbortSignal): Promise<{ decision: Decision; reason?: string }> {
    const { barrier, group } = instance;
    const started = Date.now();
    const deadline = group.timeoutMs === undefined ? Infinity : started + group.timeoutMs;
    const queues = [...new Set(group.members.map((_, i) => branchQueueOf(instance, i)))];
    const watchdog = new QueueWatchdog(this.runtime, queues, this.runtime.settings.noWorkerTimeoutMs);
    const client = this.runtime.blockingClient();
    const onAbort = () => client.disconnect();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (signal.aborted) {
          await barrier.decide('failed', 'cancelled');
          await cancelGroup(this.runtime, instance);
          throw signal.reason;
        }
        const now = Date.now();
        // Block first: the wake list keeps a decision pushed before we got here, so none is lost.
        const slice = Math.min(deadline - now, WATCHDOG_SLICE_MS, this.runtime.settings.noWorkerTimeoutMs);
        const woken = now < deadline ? await this.blockOnWake(client, barrier.keys.wake, slice, signal) : false;
        const meta = await barrier.meta();
        if (!meta) throw new Error(`barrier of group '${group.id}' (run ${this.runId}) disappeared; was the key prefix flushed?`);
        if (meta.decided) return { decision: meta.decided, ...(meta.decidedReason ? { reason: meta.decidedReason } : {}) };
        if (woken || signal.aborted) continue;
        if (Date.now() >= deadline) {
          await barrier.decide('failed', 'timeout');
          continue;
        }
        const unserved = await watchdog.unservedQueue();
        if (unserved && (await barrier.decide('failed', 'no-worker'))) {
          await cancelGroup(this.runtime, instance);
          throw new NoWorkerActivityError(group.id, this.runtime.prefix, unserved.waitedMs, unserved.queue);
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.runtime.releaseBlocking(client);
    }
  }

  /** BLPOP on the wake list for up to `ms`; true when a decision arrived. */
  private async blockOnWake(client: Redis, wake: string, ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      return (await client.blpop(wake, Math.max(10, ms) / 1000)) !== null;
    } catch (err) {
      if (signal.aborted) return false;
      throw err;
    }
  }
}

/** Notices a queue of the group that no connected worker serves, for a whole window. */
class QueueWatchdog {
  private readonly emptySince = new Map<string, number>();
  private readonly createdAt = Date.now();
  private readonly served = new Set<string>();

  constructor(
    private readonly runtime: RedisRuntime,
    private readonly queues: string[],
    private readonly windowMs: number,
  ) {}

  async unservedQueue(): Promise<{ queue: string; waitedMs: number } | undefined> {
    const now = Date.now();
    for (const queue of this.queues) {
      let workers: number;
      try {
        workers = await this.runtime.queueFor(queue).getWorkersCount();
      } catch {
        continue; // CLIENT LIST unavailable: no verdict rather than a false alarm
      }
      if (workers > 0) {
        this.served.add(queue);
        this.emptySince.delete(queue);
        continue;
      }
      // Unserved since the group started, or since the last time a worker was seen.
      const since = this.emptySince.get(queue) ?? (this.served.has(queue) ? now : this.createdAt);
      this.emptySince.set(queue, since);
      if (now - since >= this.windowMs) return { queue, waitedMs: now - since };
    }
    return undefined;
  }
}
