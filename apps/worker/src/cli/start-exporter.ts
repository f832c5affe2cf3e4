import type { Logger } from '../task-worker-api';
import { readinessProbe } from '../http/probes';
import { startOpsHttpServer } from '../http/server';
import { QueueDepthProbe } from '../metrics/queue-depth';
import { createRegistry, registerQueueDepth } from '../metrics/registry';
import { describeRedisTarget, pingRedis } from '../redis/connection';
import { StartupError } from './errors';
import type { ResolvedWorkerCliOptions } from './options';
import { installShutdownHandlers } from './shutdown';

/**
 * The queue-depth exporter for an HPA: `graflow_queue_depth{key_prefix,queue}` for each of
 * `--queues` on `/metrics`, `/healthz` (the process answers) and `/readyz` (connected to Redis,
 * not shutting down). It loads no task modules and takes no jobs.
 */
export async function startExporter(options: ResolvedWorkerCliOptions, logger: Logger): Promise<void> {
  if (!options.http) throw new StartupError('the exporter needs an HTTP port: --metrics-port must not be 0');
  await pingRedis(options.redis, options.keyPrefix);
  const probe = new QueueDepthProbe(options.redis, options.keyPrefix, { queues: options.queues, logger });
  const registry = createRegistry({ processMetrics: false });
  registerQueueDepth(registry, options.keyPrefix, () => probe.depths());
  let shuttingDown = false;
  const http = await startOpsHttpServer({
    ...options.http,
    registry,
    logger,
    ready: readinessProbe({ running: () => true, connected: () => probe.connected, shuttingDown: () => shuttingDown }),
  }).catch(async (err: unknown) => {
    await probe.close();
    throw err;
  });
  installShutdownHandlers({
    onBegin: () => (shuttingDown = true),
    target: {
      stop: async () => {
        await Promise.all([http.close(), probe.close()]);
        return { clean: true };
      },
      forceStop: async () => undefined,
    },
    timeoutMs: options.gracefulShutdownTimeoutMs,
    logger,
  });
  logger.info('exporter started', {
    redis: describeRedisTarget(options.redis, options.keyPrefix),
    keyPrefix: options.keyPrefix,
    queues: options.queues,
    metricsPort: http.port,
  });
}
