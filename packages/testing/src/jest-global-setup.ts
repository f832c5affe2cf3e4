import { startRedisServer } from './redis-server';
import { SHARED_REDIS_ENV } from './shared-redis';

// One private redis-server for the whole jest run; tests isolate themselves by key prefix.
export default async function globalSetup(): Promise<void> {
  const server = await startRedisServer();
  process.env[SHARED_REDIS_ENV] = String(server.port);
  (globalThis as Record<string, unknown>).__GRAFLOW_SHARED_REDIS__ = server;
}
