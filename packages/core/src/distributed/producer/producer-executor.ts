import { BarrierGoneError } from '../../errors';
import type { BranchRunner, GroupExecutor, Scope } from '../../engine/scope';
import type { GroupNode } from '../../graph/types';
import { parseDecisionSnapshot, type BarrierMeta, type BranchOutcome } from '../barrier';
import { cancelGroup } from '../cancel';
import { dispatchGroup } from '../dispatch-group';
import { branchQueueOf, type GroupInstance, type RunRef } from '../group-instance';
import { cancelKey, groupKeyOf } from '../keys';
import { settleDecided } from '../outcomes';
import type { RedisRunState } from '../redis-run-state';
import { bounded, raceSignal } from '../../util/signals';
import type { ProducerClient } from './producer-client';
import type { WakeWait } from './wake-dispatcher';
import { NoWorkerWatchdog } from './no-worker-watchdog';

/**
 * Longest time between two looks at a waiting group's barrier. Not a polling interval for the
 * result (the deciding branch wakes the waiter at once through the client's channel): it bounds
 * how late the waiter notices a wake-up lost in a reconnect, a passed deadline or a gone fleet.
 */
const LOOK_AGAIN_MS = 5_000;

/**
 * Runs a group on the worker fleet from the producer: dispatch one flow, then wait for the
 * barrier's decision, woken through the client's shared channel.
 */
export class ProducerGroupExecutor implements GroupExecutor {
  constructor(
    private readonly client: ProducerClient,
    private readonly run: RunRef,
    private readonly noWorkerTimeoutMs: number,
    /** The run's state: the control flags read with the decision prime its next `getControl()`. */
    private readonly state: RedisRunState,
  ) {}

  async executeGroup(group: GroupNode, scope: Scope, _runBranch: BranchRunner): Promise<Record<string, unknown>> {
    const { runtime } = this.client;
    // Listen before dispatching: every decision is published, so none can be missed, and the
    // waiter need not read the barrier until it is woken (or looks again after a while).
    const wait = this.client.wakeups.register(cancelKey(this.run.runId, groupKeyOf(scope.path)));
    try {
      const instance = await raceSignal(
        dispatchGroup({ runtime, run: this.run, graph: scope.graph, group, path: scope.path, outerCancelKeys: [] }),
        scope.signal,
      );
      const { meta, outcomes } = await this.waitForDecision(instance, wait, scope.signal);
      if (meta.decided === 'failed') await raceSignal(cancelGroup(runtime, instance), scope.signal);
      return await raceSignal(settleDecided(instance, meta, outcomes), scope.signal);
    } finally {
      wait.dispose();
    }
  }

  private async waitForDecision(instance: GroupInstance, wait: WakeWait, signal: AbortSignal): Promise<{ meta: BarrierMeta; outcomes?: Map<number, BranchOutcome> }> {
    const { barrier, group } = instance;
    const started = Date.now();
    const deadline = group.timeoutMs === undefined ? Infinity : started + group.timeoutMs;
    const queues = [...new Set(group.members.map((_, i) => branchQueueOf(instance, i)))];
    const watchdog = new NoWorkerWatchdog(this.client, instance, queues, this.noWorkerTimeoutMs, started);
    for (;;) {
      const woken = await wait.next(Math.min(deadline - Date.now(), LOOK_AGAIN_MS, watchdog.nextLookInMs()), signal);
      if (signal.aborted) {
        // Give the group up (best effort, bounded: Redis may be the reason we stopped).
        await bounded(barrier.decide('failed', 'cancelled').then(async (decided) => {
          if (decided) await cancelGroup(this.client.runtime, instance);
        }), 2_000);
        throw signal.reason;
      }
      // A wake-up means a decision: a small group's comes with what the waiter would read (no
      // round trip); otherwise read it with the outcomes in one round trip.
      const sent = woken ? wait.takeSnapshot() : undefined;
      const { meta, outcomes, also } = (sent && parseDecisionSnapshot(sent)) || (woken
        ? await raceSignal(barrier.snapshot(this.client.runtime.keys(instance.runId).control), signal)
        : { meta: await raceSignal(barrier.meta(), signal), outcomes: undefined, also: undefined });
      if (!meta) throw new BarrierGoneError(group.id, instance.runId, this.client.keyPrefix);
      if (meta.decided) {
        if (also && outcomes) this.state.primeControl(also);
        return { meta, ...(outcomes ? { outcomes } : {}) };
      }
      if (Date.now() >= deadline) {
        await raceSignal(barrier.decide('failed', 'timeout'), signal);
        continue;
      }
      const gone = await raceSignal(watchdog.verdict(Date.now()), signal);
      if (gone) await raceSignal(barrier.decide('failed', 'no-worker', JSON.stringify(gone)), signal);
    }
  }
}
