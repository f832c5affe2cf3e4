/**
 * The init container of the Kubernetes manifests (deploy/bin/wait-for-redis.js), as a process:
 * it waits while nothing answers on the Redis port, says so, and exits 0 once Redis is up.
 */
import { freePort, startRedisServer, type RedisServerHandle } from '@graflow/testing';
import { deployPath } from './manifests';
import { Child, isolatedNpmEnv, run } from './packing';

const SCRIPT = deployPath('bin', 'wait-for-redis.js');
const clean = (env: Record<string, string>) => {
  const base = isolatedNpmEnv(env);
  if (!('REDIS_URL' in env)) delete base.REDIS_URL;
  return base;
};

describe('wait-for-redis', () => {
  let redis: RedisServerHandle | undefined;
  let waiter: Child | undefined;

  afterEach(async () => {
    await waiter?.stop().catch(() => undefined);
    await redis?.stop();
    redis = undefined;
  });

  it('waits while Redis is down, naming host and port, and exits 0 once it answers', async () => {
    const port = await freePort();
    waiter = new Child(process.execPath, [SCRIPT], { cwd: deployPath(), env: clean({ REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port) }) });
    const waiting = await waiter.waitForLog(`waiting for Redis at 127.0.0.1:${port}: ECONNREFUSED`);
    expect(waiting).toMatchObject({ level: 'info', host: '127.0.0.1', port });
    expect(waiter.exit).toBeUndefined();

    redis = await startRedisServer({ port });
    await waiter.waitForLog(`Redis at 127.0.0.1:${port} accepts connections`);
    expect(await waiter.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('reads REDIS_URL like the worker, and refuses a bad one in one line', async () => {
    redis = await startRedisServer();
    const ok = await run(process.execPath, [SCRIPT], { cwd: deployPath(), env: clean({ REDIS_URL: `redis://127.0.0.1:${redis.port}` }) });
    expect(ok.stdout).toContain(`Redis at 127.0.0.1:${redis.port} accepts connections`);

    const bad = await run(process.execPath, [SCRIPT], { cwd: deployPath(), env: clean({ REDIS_URL: 'not a url' }), check: false });
    expect(bad.code).toBe(2);
    expect(bad.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ level: 'error', msg: expect.stringContaining('invalid REDIS_URL "not a url"') });
  });
});
