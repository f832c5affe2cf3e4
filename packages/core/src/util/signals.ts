import { setMaxListeners } from 'node:events';

/**
 * A controller whose signal is shared by many waiters at once (every branch and retry of a run,
 * every run of a long-lived client, every job of a worker). Node warns past 10 listeners on one
 * signal as a leak guess; here that many is the design, and each listener is removed when its
 * waiter ends, so the cap is lifted for these signals only.
 */
export function sharedController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Resolves or rejects with `work`, or rejects with the signal's reason as soon as it fires. */
export function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => undefined); // it may settle later; nobody listens any more
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Best effort with a bound: cleanup during an outage must not hang the caller. */
export async function bounded(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * A controller that aborts when any of `sources` does, with the same reason. Unlike
 * `AbortSignal.any`, `dispose()` detaches it from the sources, so a long-lived source (a worker's
 * shutdown signal) does not collect one dependent per branch; it is also cheaper to create.
 */
export function linkedController(...sources: AbortSignal[]): { controller: AbortController; dispose(): void } {
  const controller = sharedController();
  const aborted = sources.find((s) => s.aborted);
  if (aborted) {
    controller.abort(aborted.reason);
    return { controller, dispose: () => undefined };
  }
  const listeners = sources.map((source) => {
    const onAbort = () => controller.abort(source.reason);
    source.addEventListener('abort', onAbort, { once: true });
    return () => source.removeEventListener('abort', onAbort);
  });
  return { controller, dispose: () => listeners.forEach((off) => off()) };
}
