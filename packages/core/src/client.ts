import type { GraflowClient } from './distributed/producer/graflow-client';
import { loadRedisBackend } from './engine/load-redis';
import { resolveClientOptions, type ClientOptions } from './options/client-options';
import { resolveRedisConfig, type RedisConfig } from './options/run-options';

export type { GraflowClient };

/**
 * Connects a process to Graflow on Redis once; pass the client to every run
 * (`wf.run({ client })`) and `close()` it at shutdown. Fails with `GraflowConnectionError`
 * (naming host, port and prefix) when Redis does not answer within `connectTimeoutMs`.
 */
export async function connect(config: RedisConfig = {}, options: ClientOptions = {}): Promise<GraflowClient> {
  return await loadRedisBackend().connectClient(resolveRedisConfig(config), resolveClientOptions(options));
}
