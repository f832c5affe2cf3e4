import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { TlsCertificates } from './tls-certs';
import { waitFor } from './wait';

/** A `redis-server` child process owned by a test; stop only what you started. */
export interface RedisServerHandle {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly process: ChildProcess;
  /** SIGTERM the server (it writes its AOF when enabled) and wait for it to exit. */
  stop(): Promise<void>;
  /** SIGKILL the server, as a crash would. */
  kill(): Promise<void>;
  /** Start again on the same port and data directory (AOF replays if enabled). */
  restart(): Promise<void>;
}

export interface RedisServerOptions {
  /** Enable append-only persistence (for restart tests). @defaultValue false */
  appendOnly?: boolean;
  /** A fixed port; a free port is chosen otherwise. */
  port?: number;
  /** Extra `redis-server` arguments, such as `['--cluster-enabled', 'yes']`. */
  extraArgs?: string[];
  /**
   * Serve only TLS on `port` (`--tls-port`, `--port 0`) with the server certificate, and require
   * a client certificate signed by the same CA (`--tls-auth-clients yes`).
   */
  tls?: TlsCertificates;
  /** ACL users created at start; the default user stays open for the test's own admin calls. */
  aclUsers?: AclUser[];
}

/** One `user` line of the server's configuration. */
export interface AclUser {
  name: string;
  password: string;
  /** ACL rules, e.g. `['~app:*', '&app:*', '+@all', '-@dangerous']`. */
  rules: string[];
}

/** Finds a free loopback TCP port by binding port 0. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function ping(host: string, port: number, tls?: TlsCertificates): Promise<boolean> {
  return await new Promise((resolve) => {
    let sock: Socket;
    if (tls) {
      sock = tlsConnect({ host, port, ca: tls.ca, cert: tls.clientCert, key: tls.clientKey }, () => sock.write('PING\r\n'));
    } else {
      sock = createConnection({ host, port }, () => sock.write('PING\r\n'));
    }
    let buf = '';
    sock.setTimeout(500);
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) {
        sock.destroy();
        resolve(buf.startsWith('+PONG'));
      }
    });
    sock.on('error', () => resolve(false));
    sock.on('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/** Spawns a private `redis-server` on loopback and waits until it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const host = '127.0.0.1';
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'graflow-redis-'));
  const args = [
    ...configFile(dir, options.aclUsers),
    ...(options.tls ? tlsArgs(port, options.tls) : ['--port', String(port)]),
    '--bind', host,
    '--dir', dir,
    '--save', '',
    '--appendonly', options.appendOnly ? 'yes' : 'no',
    '--appendfsync', 'always',
    '--protected-mode', 'no',
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess;
  let log = '';
  const launch = async (): Promise<void> => {
    log = '';
    child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => (log = (log + d.toString()).slice(-4_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    try {
      await waitFor(() => ping(host, port, options.tls), { timeoutMs: 10_000, what: `redis-server on ${host}:${port}` });
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}; redis-server said: ${log.trim().split('\n').slice(-5).join(' | ')}`);
    }
  };
  const exited = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  await launch();
  const handle: RedisServerHandle = {
    host,
    port,
    dir,
    get process() {
      return child;
    },
    async stop() {
      const done = exited();
      child.kill('SIGTERM');
      await done;
    },
    async kill() {
      const done = exited();
      child.kill('SIGKILL');
      await done;
    },
    async restart() {
      await launch();
    },
  };
  const cleanup = handle.stop.bind(handle);
  Object.defineProperty(handle, 'stop', {
    value: async () => {
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  });
  return handle;
}

function tlsArgs(port: number, certs: TlsCertificates): string[] {
  return [
    '--port', '0',
    '--tls-port', String(port),
    '--tls-cert-file', certs.serverCertFile,
    '--tls-key-file', certs.serverKeyFile,
    '--tls-ca-cert-file', certs.caFile,
    '--tls-auth-clients', 'yes',
  ];
}

/** ACL users go in a config file (the first argument), which a restart reads again. */
function configFile(dir: string, users: AclUser[] = []): string[] {
  if (users.length === 0) return [];
  const path = join(dir, 'redis.conf');
  const lines = users.map((u) => `user ${u.name} on >${u.password} ${u.rules.join(' ')}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return [path];
}
