/**
 * Runs `work` once per key at a time: callers arriving while it is in flight share its promise.
 * A worker that receives N jobs of the same new graph at once then fetches it from Redis once.
 */
export function singleFlight<T>(inflight: Map<string, Promise<T>>, key: string, work: () => Promise<T>): Promise<T> {
  const pending = inflight.get(key);
  if (pending) return pending;
  const started = work().finally(() => inflight.delete(key));
  inflight.set(key, started);
  return started;
}
