import type { TaskWorkerHandle } from '../task-worker-api';
import type { Probe } from './server';

const REDIS_DOWN = { ok: false, reason: 'redis disconnected' } as const;
const OK = { ok: true } as const;

/** `/healthz`: the process answers and its Redis connections are ready. */
export function connectedProbe(isConnected: () => boolean): Probe {
  return () => (isConnected() ? OK : REDIS_DOWN);
}

/** `/readyz`: the worker is taking jobs: started, not shutting down, and connected. */
export function workerReadyProbe(worker: Pick<TaskWorkerHandle, 'running' | 'connected'>, shuttingDown: () => boolean): Probe {
  return () => {
    if (shuttingDown() || !worker.running) return { ok: false, reason: 'not taking jobs' };
    return worker.connected ? OK : REDIS_DOWN;
  };
}
