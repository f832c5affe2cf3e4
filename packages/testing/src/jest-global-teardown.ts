import type { RedisServerHandle } from './redis-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>).__GRAFLOW_SHARED_REDIS__ as RedisServerHandle | undefined;
  await server?.stop();
}
