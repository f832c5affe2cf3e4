import type { TaskWorkerHandle } from '../task-worker-api';

/** A probe answers whether the process is in the probed state, and why not when it isn't. */
export type Probe = () => { ok: true } | { ok: false; reason: string };


const OK = { ok: true } as const;

/**
 * `/healthz` (liveness): answering at all proves the process is up and its event loop turns. It
 * never looks at Redis: a Redis outage must not make an orchestrator restart every worker, which
 * would only add a cold start to the outage (the worker reconnects on its own).
 */
export const aliveProbe: Probe = () => OK;

export interface ReadinessState {
  /** Started and not stopped. */
  running: () => boolean;
  shuttingDown: () => boolean;
  /** Redis connections ready. */
  connected: () => boolean;
}

/** `/readyz` (readiness): started, not shutting down, and connected to Redis. */
export function readinessProbe(state: ReadinessState): Probe {
  return () => {
    if (state.shuttingDown()) return { ok: false, reason: 'shutting down' };
    if (!state.running()) return { ok: false, reason: 'not started' };
    return state.connected() ? OK : { ok: false, reason: 'redis disconnected' };
  };
}

/** `/readyz` of a worker: it is taking jobs. */
export function workerReadyProbe(worker: Pick<TaskWorkerHandle, 'running' | 'connected'>, shuttingDown: () => boolean): Probe {
  return readinessProbe({ running: () => worker.running, connected: () => worker.connected, shuttingDown });
}
