import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { freePort, startRedisServer, type RedisServerHandle } from './redis-server';
import { waitFor } from './wait';

const exec = promisify(execFile);

export interface RedisClusterHandle {
  readonly nodes: RedisServerHandle[];
  /** A seed node for clients. */
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * A local Redis Cluster of `masters` nodes (no replicas): spawned with `cluster-enabled` and
 * joined with `redis-cli --cluster create`, on loopback only.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const nodes: RedisServerHandle[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(await startRedisServer({ port: await clusterPort(), extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
    }
    await exec('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const n of nodes) {
      await waitFor(async () => {
        const { stdout } = await exec('redis-cli', ['-h', n.host, '-p', String(n.port), 'cluster', 'info']);
        return stdout.includes('cluster_state:ok');
      }, { timeoutMs: 20_000, what: `cluster node ${n.port} to be ok` });
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw err;
  }
  return {
    nodes,
    host: nodes[0]!.host,
    port: nodes[0]!.port,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

/** A free port whose cluster-bus port (port + 10000) is free and valid too. */
async function clusterPort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = await freePort();
    if (port + 10_000 <= 65_535 && (await canBind(port + 10_000))) return port;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
