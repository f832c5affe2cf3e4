import type { ResolvedClientOptions } from '../../options/client-options';
import type { ResolvedRedisConfig } from '../../options/redis-config';
import { GraflowClient } from './graflow-client';

/** The Redis backend's entry point, loaded lazily by the engine (see `engine/load-redis.ts`). */
export function connectClient(config: ResolvedRedisConfig, options: ResolvedClientOptions): Promise<GraflowClient> {
  return GraflowClient.connect(config, options);
}
