import { randomBytes } from 'node:crypto';

/** Env var through which jest's global setup hands the shared test Redis to test files. */
export const SHARED_REDIS_ENV = 'GRAFLOW_TEST_REDIS_PORT';

/** Connection settings of the `redis-server` the jest global setup spawned for this run. */
export function sharedRedis(): { host: string; port: number } {
  const port = Number(process.env[SHARED_REDIS_ENV]);
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error(`${SHARED_REDIS_ENV} is not set: run the tests through jest (its global setup spawns redis-server)`);
  }
  return { host: '127.0.0.1', port };
}

/** A key prefix no other test uses, so tests need no cleanup dance. */
export function uniquePrefix(label = 't'): string {
  return `gft:${label.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 40)}:${randomBytes(4).toString('hex')}`;
}
