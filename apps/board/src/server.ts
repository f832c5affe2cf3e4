/**
 * The board server: Bull Board over every queue of one key prefix or its shards (`BoardQueues`), with Graflow's
 * formatters and decoded branch values, on an express app that redirects `/` to the board.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { ExpressAdapter } from '@bull-board/express';
import express from 'express';
import { BoardQueues } from './board-queues';
import { BranchValueReader } from './branch-values';
import { resolveBoardOptions, type BoardOptions, type ResolvedBoardOptions } from './options';
import { openBoardRedis } from './redis';

export interface BoardServer {
  /** Where the board is served, e.g. `http://127.0.0.1:3000/admin/queues`. */
  readonly url: string;
  readonly options: ResolvedBoardOptions;
  /** The BullMQ queues shown right now (`tasks` first; `<shard prefix>:<queue>` when sharded). */
  queues(): string[];
  /** Stops accepting requests, then closes the queue handles and the Redis connection. */
  close(): Promise<void>;
}

/**
 * Starts the board and resolves once it listens. Redis must answer first: otherwise this rejects
 * with core's `GraflowConnectionError`, naming the address and the key prefix.
 */
export async function createBoardServer(options: BoardOptions = {}): Promise<BoardServer> {
  return await startBoard(resolveBoardOptions(options));
}

/** `createBoardServer` for options already resolved (the CLI resolves them while parsing). */
export async function startBoard(resolved: ResolvedBoardOptions): Promise<BoardServer> {
  const { keyPrefix, logger } = resolved;
  const redis = await openBoardRedis(resolved);
  const queues = new BoardQueues({
    redis,
    namespace: resolved.redis,
    readOnly: resolved.readOnly,
    refreshMs: resolved.queueRefreshMs,
    valuesOf: (prefix) => new BranchValueReader(redis, prefix, resolved.maxValueBytes),
    ...(logger ? { logger } : {}),
  });
  let server: Server | undefined;
  try {
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(resolved.basePath);
    const board = createBullBoard({
      queues: await queues.start(),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Graflow' } },
    });
    queues.attach(board);

    const app = express();
    app.disable('x-powered-by');
    app.get('/healthz', (_req, res) => {
      res.type('text/plain').send('ok\n');
    });
    if (resolved.basePath !== '/') {
      app.get('/', (_req, res) => {
        res.redirect(302, resolved.basePath);
      });
    }
    // Bull Board polls its API; a poll past the interval first looks for new queues.
    app.use(resolved.basePath, (_req, _res, next) => {
      queues.refreshIfStale().then(
        () => next(),
        (err: unknown) => {
          logger?.warn('queue discovery failed', { keyPrefix, error: err instanceof Error ? err : String(err) });
          next();
        },
      );
    });
    app.use(resolved.basePath, serverAdapter.getRouter());

    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(resolved.port, resolved.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    });
  } catch (err) {
    await queues.close();
    await redis.quit().catch(() => redis.disconnect());
    throw err;
  }
  const listening = server;
  const { port } = listening.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}${resolved.basePath === '/' ? '' : resolved.basePath}`,
    options: resolved,
    queues: () => queues.names(),
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          listening.close(() => resolve());
          listening.closeAllConnections();
        });
        await queues.close();
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
