/**
 * The board server: one BullMQ `Queue` handle on `<keyPrefix>:tasks`, wrapped in Bull Board's
 * BullMQ adapter with the Graflow formatters, mounted on an express app.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis, type RedisOptions } from 'ioredis';
import { applyGraflowFormatters } from './formatters';
import { resolveBoardOptions, TASKS_QUEUE, type BoardOptions, type ResolvedBoardOptions } from './options';

export interface BoardServer {
  /** Where the board is served, e.g. `http://127.0.0.1:3000/admin/queues`. */
  readonly url: string;
  readonly options: ResolvedBoardOptions;
  /** Stops accepting requests, then closes the queue handle and the Redis connection. */
  close(): Promise<void>;
}

/** Redis did not answer at startup; names the endpoint and the prefix, not an ioredis stack. */
export class BoardRedisUnreachableError extends Error {
  override readonly name = 'BoardRedisUnreachableError';
  constructor(
    readonly endpoint: string,
    readonly keyPrefix: string,
    override readonly cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot reach Redis at ${endpoint} (key prefix "${keyPrefix}"): ${reason}`);
  }
}

function connect(redis: ResolvedBoardOptions['redis']): { client: Redis; endpoint: string } {
  // BullMQ requires maxRetriesPerRequest: null on the connections it blocks on.
  const common: RedisOptions = {
    maxRetriesPerRequest: null,
    lazyConnect: true,
    ...(redis.username !== undefined ? { username: redis.username } : {}),
    ...(redis.password !== undefined ? { password: redis.password } : {}),
    ...(redis.tls ? { tls: {} } : {}),
  };
  if (redis.url !== undefined) {
    const { host, port } = new URL(redis.url);
    return { client: new Redis(redis.url, common), endpoint: `${host || 'localhost'}:${port || 6379}` };
  }
  return { client: new Redis({ ...common, host: redis.host, port: redis.port }), endpoint: `${redis.host}:${redis.port}` };
}

async function connectWithin(client: Redis, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the board and resolves once it listens (Redis answered first). */
export async function createBoardServer(options: BoardOptions = {}): Promise<BoardServer> {
  const resolved = resolveBoardOptions(options);
  const { client, endpoint } = connect(resolved.redis);
  let lastError: Error | undefined;
  // ioredis reconnects on its own; without a listener every retry would print a stack.
  client.on('error', (err: Error) => {
    lastError = err;
  });
  try {
    await connectWithin(client, resolved.connectTimeoutMs);
  } catch (err) {
    client.disconnect();
    throw new BoardRedisUnreachableError(endpoint, resolved.keyPrefix, lastError ?? err);
  }

  const queue = new Queue(TASKS_QUEUE, { connection: client, prefix: resolved.keyPrefix });
  const adapter = new BullMQAdapter(queue, {
    readOnlyMode: resolved.readOnly,
    displayName: `${resolved.keyPrefix} · ${TASKS_QUEUE}`,
    description: `Graflow parallel groups (parent jobs) and their branches, key prefix ${resolved.keyPrefix}`,
  });
  applyGraflowFormatters(adapter);

  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(resolved.basePath);
  createBullBoard({
    queues: [adapter],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Graflow' } },
  });
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.use(resolved.basePath, serverAdapter.getRouter());

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(resolved.port, resolved.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}${resolved.basePath}`,
    options: resolved,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await queue.close();
        await client.quit().catch(() => client.disconnect());
      })();
      return closing;
    },
  };
}
