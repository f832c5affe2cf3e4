import { constants } from 'node:os';
import type { Logger, StopResult, TaskWorkerHandle } from '../task-worker-api';
import { ExitCode } from './errors';

export interface ShutdownOptions {
  /** What a signal stops: the worker, or anything with the same two methods. */
  target: Pick<TaskWorkerHandle, 'stop' | 'forceStop'>;
  /** Handed to `stop()`: how long in-flight tasks may run on. */
  timeoutMs: number;
  logger: Logger;
  /** Runs after `stop()` resolved and before the exit (close HTTP, log final counters). */
  afterStop?: (result: StopResult) => Promise<void>;
  /** Called once a signal arrived, before anything stops (readiness goes false). */
  onBegin?: () => void;
  /** @defaultValue process.exit */
  exit?: (code: number) => void;
  /** @defaultValue ['SIGTERM', 'SIGINT'] */
  signals?: NodeJS.Signals[];
  /** Extra time past `timeoutMs` before the process exits even if `stop()` hangs. @defaultValue 10000 */
  hangGraceMs?: number;
  /** How long the second signal waits for `forceStop()` before exiting anyway. @defaultValue 1000 */
  forceGraceMs?: number;
}

export interface ShutdownHandle {
  readonly shuttingDown: boolean;
  /** Removes the signal listeners (tests). */
  dispose(): void;
}

/**
 * SIGTERM or SIGINT stops the target with the timeout: a clean stop exits 0, a stop past the
 * deadline exits 1. A second signal calls `forceStop()` and exits at once with 128 + the signal
 * number.
 */
export function installShutdownHandlers(options: ShutdownOptions): ShutdownHandle {
  const { target, timeoutMs, logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let shuttingDown = false;

  const graceful = async (signal: NodeJS.Signals): Promise<void> => {
    logger.info('shutting down: finishing in-flight tasks', { signal, timeoutMs });
    options.onBegin?.();
    const hang = setTimeout(() => {
      logger.error('stop did not return after the shutdown deadline; exiting', { timeoutMs });
      exit(ExitCode.failure);
    }, timeoutMs + (options.hangGraceMs ?? 10_000));
    hang.unref();
    try {
      const result = await target.stop({ timeoutMs });
      await options.afterStop?.(result);
      if (result.clean) logger.info('stopped cleanly');
      else logger.warn('shutdown deadline passed: in-flight tasks were aborted and will be re-run by another worker', { timeoutMs });
      exit(result.clean ? ExitCode.ok : ExitCode.failure);
    } catch (err) {
      logger.error('shutdown failed', { err });
      exit(ExitCode.failure);
    } finally {
      clearTimeout(hang);
    }
  };

  const force = async (signal: NodeJS.Signals): Promise<void> => {
    logger.warn('second signal: forcing exit', { signal });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      target.forceStop().catch((err: unknown) => logger.error('force stop failed', { err })),
      new Promise((resolve) => (timer = setTimeout(resolve, options.forceGraceMs ?? 1_000))),
    ]);
    clearTimeout(timer);
    exit(128 + (constants.signals[signal] ?? 0));
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      void force(signal);
      return;
    }
    shuttingDown = true;
    void graceful(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return {
    get shuttingDown() {
      return shuttingDown;
    },
    dispose() {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
