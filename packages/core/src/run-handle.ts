import type { GraflowClient } from './distributed/producer/graflow-client';
import type { RunStatus } from './distributed/run-job/finish-run';
import type { RunView } from './distributed/run-job/run-view';
import { checkStartNode, type RunResult } from './engine/execution-context';
import { loadRedisBackend } from './engine/load-redis';
import { RunHandleClosedError } from './errors/run-errors';
import type { RunEvent } from './events/run-event';
import type { Graph } from './graph/types';
import type { ResolvedClientOptions } from './options/client-options';
import {
  assertRunId, resolveGetRunOptions, resolveSubmitOptions, type GetRunOptions, type ResolvedRedisConfig, type SubmitOptions,
} from './options/run-options';

export type { RunStatus };

/** Where a handle finds its run: a long-lived client, or a config to connect with per call. */
interface RunAccess {
  client?: GraflowClient;
  redis?: ResolvedRedisConfig;
  clientOptions: ResolvedClientOptions;
}

/**
 * A run that executes on the worker fleet, followed from any process: `workflow.submit()`
 * returns one, `getRun(runId, options)` makes one for a run submitted anywhere. A handle holds
 * no connection of its own between calls: with a `client` it uses that client; with a `config`
 * each call connects and disconnects (keep a client for frequent calls).
 */
export class RunHandle {
  private readonly closing = new AbortController();

  /** @internal use `workflow.submit()` or `getRun()` */
  constructor(
    readonly runId: string,
    private readonly access: RunAccess,
  ) {}

  /** Where the run is now. Throws `RunNotFoundError` for an id unknown under the prefix (or expired). */
  status(): Promise<RunStatus> {
    return this.withView((view) => view.status());
  }

  /**
   * Waits for the run to end: the `RunResult` of `run()` (`{ runId, output, results }`), or the
   * run's error as its own class (`ParallelGroupError` with its `failed` list, a
   * `WorkflowCancelledError`, ...); an error thrown on a worker carries the worker's stack as
   * its `cause` (a `RemoteError`). Rejects with `RunHandleClosedError` when the handle is closed,
   * and with `GraflowConnectionError` when Redis stays away longer than `redisUnavailableTimeoutMs`.
   */
  result<T = unknown>(): Promise<RunResult<T>> {
    return this.withView((view) => view.result<T>(this.closing.signal));
  }

  /**
   * Cancels the run: it ends as `WorkflowCancelledError` at once, its running tasks get their
   * `AbortSignal`, and its waiting jobs are removed. Resolves with false when the run had
   * already ended (nothing changes then).
   */
  cancel(reason?: string): Promise<boolean> {
    return this.withView((view) => view.cancel(reason));
  }

  /**
   * The run's progress events, in order, from the first one kept (a late reader sees the run
   * from its start), then live until `run:finished`. Ends early when the handle is closed.
   */
  async *events(): AsyncGenerator<RunEvent> {
    const lease = await this.lease();
    try {
      yield* lease.view.events(this.closing.signal);
    } finally {
      await lease.release();
    }
  }

  /** Ends every wait of this handle (`result()` rejects, `events()` ends); the run goes on. */
  async close(): Promise<void> {
    this.closing.abort(new RunHandleClosedError(this.runId));
  }

  private async withView<T>(use: (view: RunView) => Promise<T>): Promise<T> {
    if (this.closing.signal.aborted) throw this.closing.signal.reason;
    const lease = await this.lease();
    try {
      return await use(lease.view);
    } finally {
      await lease.release();
    }
  }

  private async lease(): Promise<{ view: RunView; release(): Promise<void> }> {
    const { client, redis, clientOptions } = this.access;
    if (client) return { view: client.runView(this.runId), release: async () => undefined };
    const own = await loadRedisBackend().connectClient(redis!, clientOptions);
    return { view: own.runView(this.runId), release: () => own.close() };
  }
}

/**
 * A handle on a run of the namespace, submitted (or run) from any process. Checks its
 * arguments at once; an id unknown under the prefix shows as `RunNotFoundError` on first use.
 */
export function getRun(runId: string, options: GetRunOptions = {}): RunHandle {
  const id = assertRunId(runId);
  const { client, redis, clientOptions } = resolveGetRunOptions(options);
  return new RunHandle(id, { ...(client ? { client } : {}), ...(redis ? { redis } : {}), clientOptions });
}

/** `workflow.submit()`: stores the graph, enqueues the run's root job, and returns its handle. */
export async function submitWorkflow(graph: Graph, options: SubmitOptions = {}): Promise<RunHandle> {
  const opts = resolveSubmitOptions(options);
  const startNode = checkStartNode(graph, opts.startNode);
  const access: RunAccess = { ...(opts.client ? { client: opts.client } : {}), ...(opts.redis ? { redis: opts.redis } : {}), clientOptions: opts.clientOptions };
  const client = opts.client ?? (await loadRedisBackend().connectClient(opts.redis!, opts.clientOptions));
  try {
    const runId = await client.submitRun(graph, {
      ...(opts.runId ? { runId: opts.runId } : {}),
      startNode,
      limits: { ttlSeconds: opts.runTtlSeconds, maxPayloadBytes: opts.maxPayloadBytes },
    });
    return new RunHandle(runId, access);
  } finally {
    if (!opts.client) await client.close();
  }
}
