import { parallel } from '@graflow/core';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { createServer, type Server } from 'node:net';
import { CliProcess, WORKER_BIN, killSpawned } from './fixtures/cli';
import { httpGet } from './fixtures/http';
import { runDistributed } from './fixtures/worker';
import { cpuEcho } from './fixtures/pool-tasks';

afterEach(killSpawned);

/** Only what a user must give: where Redis is, the namespace, the tasks. Everything else defaulted. */
function userWorker(prefix: string, env: NodeJS.ProcessEnv = {}): CliProcess {
  const { host, port } = sharedRedis();
  return new CliProcess(WORKER_BIN, ['--tasks', './pool-tasks.js'], { env: { REDIS_HOST: host, REDIS_PORT: String(port), REDIS_KEY_PREFIX: prefix, ...env } });
}

/** Holds the default metrics port for the test, as another worker (or anything else) would. */
async function occupy(port: number): Promise<Server | undefined> {
  const server = createServer();
  return await new Promise((resolve) => {
    server.once('error', () => resolve(undefined)); // already held by someone else: just as good
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}

describe('several workers with default flags on one host', () => {
  it('both stay up (the second serves metrics on a free port) and both take branches of one run', async () => {
    const holder = await occupy(9464);
    try {
      const prefix = uniquePrefix('defaults');
      const [a, b] = [userWorker(prefix), userWorker(prefix)];
      const [runningA, runningB] = await Promise.all([a.waitForLog('graflow-worker running'), b.waitForLog('graflow-worker running')]);
      for (const [proc, running] of [[a, runningA], [b, runningB]] as const) {
        expect(running.metricsPort).not.toBe(9464);
        expect(proc.logs().find((r) => r.msg.startsWith('default metrics port in use'))).toMatchObject({ level: 'warn', defaultPort: 9464 });
        expect((await httpGet(running.metricsPort as number, '/healthz')).status).toBe(200);
      }
      const { output } = await runDistributed(prefix, () => parallel(...Array.from({ length: 24 }, (_, i) => cpuEcho.bind({ value: i }, { id: `e${i}` }))));
      const pids = new Set(Object.values(output as Record<string, { pid: number }>).map((e) => e.pid));
      expect(pids).toEqual(new Set([a.pid, b.pid]));
    } finally {
      holder?.close();
    }
  });

  it('a port the user chose is used or start-up fails, naming it', async () => {
    const holder = await occupy(9464);
    try {
      const worker = userWorker(uniquePrefix('chosen'), { METRICS_PORT: '9464' });
      const exit = await worker.waitForExit();
      expect(exit.code).toBe(1);
      await waitFor(() => worker.logs().find((r) => r.level === 'error'));
      expect(worker.logs().find((r) => r.level === 'error')!.msg).toMatch(/^cannot serve metrics on 0\.0\.0\.0:9464: .*EADDRINUSE/);
    } finally {
      holder?.close();
    }
  });
});
