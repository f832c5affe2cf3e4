import { startWorkerProcess } from '../fixtures/worker';

/**
 * @deprecated The one way tests spawn workers is `spawnWorker` / `startWorkerProcess` in
 * `../fixtures/worker`; this adapter keeps `crash.test.ts` on it until that file imports it directly.
 */
export interface WorkerProcess {
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the real `graflow-worker` CLI with exactly `args` (a user's defaults for the rest). */
export async function spawnWorker(args: string[]): Promise<WorkerProcess> {
  const { proc } = await startWorkerProcess(args);
  const exited = proc.exited.then((exit) => exit.code);
  return {
    output: () => proc.output(),
    exited,
    async stop(signal = 'SIGTERM') {
      if (!proc.exit) proc.signal(signal);
      return await exited;
    },
  };
}
