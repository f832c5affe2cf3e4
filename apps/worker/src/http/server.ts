import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../task-worker-api';
import { StartupError, firstLine } from '../cli/errors';
import { aliveProbe, type Probe } from './probes';

export type { Probe };


export interface OpsHttpOptions {
  host: string;
  port: number;
  /**
   * False when `port` is only a default: if it is taken, a free port is used (with a warning), so a
   * second process on the host never dies for an auxiliary port. @defaultValue true
   */
  portChosen?: boolean;
  registry: Registry;
  /** `/healthz` (liveness). @defaultValue `aliveProbe`: 200 whenever the process answers */
  health?: Probe;
  /** `/readyz` (readiness): taking jobs, or able to report. Omitted, the route answers 404. */
  ready?: Probe;
  logger?: Logger;
}

export interface OpsHttpServer {
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `/metrics`, `/healthz` and `/readyz` with node:http; nothing else. */
export async function startOpsHttpServer(options: OpsHttpOptions): Promise<OpsHttpServer> {
  const probes: Record<string, Probe | undefined> = { '/healthz': options.health ?? aliveProbe, '/readyz': options.ready };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    if (path === '/metrics') {
      const body = await options.registry.metrics();
      return send(res, 200, body, options.registry.contentType);
    }
    const probe = probes[path!];
    if (!probe) return send(res, 404, 'not found\n');
    const state = probe();
    return state.ok ? send(res, 200, 'ok\n') : send(res, 503, `${state.reason}\n`);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.logger?.error('http request failed', { path: req.url, err });
      if (!res.headersSent) send(res, 500, 'internal error\n');
    });
  });
  server.keepAliveTimeout = 5_000;
  try {
    await listen(server, options.port, options.host);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.portChosen !== false) {
      throw new StartupError(`cannot serve metrics on ${options.host}:${options.port}: ${firstLine(err)}`);
    }
    await listen(server, 0, options.host).catch((again: unknown) => {
      throw new StartupError(`cannot serve metrics on ${options.host}: ${firstLine(again)}`);
    });
    options.logger?.warn('default metrics port in use; serving on a free port instead (set --metrics-port or METRICS_PORT to choose one)', {
      defaultPort: options.port,
      port: (server.address() as AddressInfo).port,
    });
  }
  const port = (server.address() as AddressInfo).port;
  options.logger?.info('serving /metrics, /healthz and /readyz', { host: options.host, port });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
