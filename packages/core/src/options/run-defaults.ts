import { CLIENT_OPTION_DEFAULTS } from './client-options';
import { REDIS_CONFIG_DEFAULTS } from './redis-config';

export type Backend = 'memory' | 'redis';

/** The defaults of `RunOptions`, in one place (`resolveRunOptions` applies them). */
export const RUN_OPTION_DEFAULTS = {
  queueBackend: 'memory' as Backend,
  noWorkerTimeoutMs: 60_000,
  runTtlSeconds: 86_400,
  maxPayloadBytes: 16 * 1024 * 1024,
  connectTimeoutMs: CLIENT_OPTION_DEFAULTS.connectTimeoutMs,
  redisUnavailableTimeoutMs: CLIENT_OPTION_DEFAULTS.redisUnavailableTimeoutMs,
  redis: REDIS_CONFIG_DEFAULTS,
};
