import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startRedisServer } from '@graflow/testing';

const run = promisify(execFile);
// What `npm run example:distributed` runs after the build.
const script = join(__dirname, '..', 'dist', 'run-distributed.js');
const WORKERS = ['worker-1', 'worker-2'];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('REDIS_URL' in extra)) delete env.REDIS_URL;
  return env;
}

/** The PIDs the script reports on stderr as it starts each process. */
const reportedPids = (stderr: string) => [...stderr.matchAll(/^[\w-]+: pid (\d+)/gm)].map((m) => Number(m[1]));

describe('npm run example:distributed', () => {
  test('runs the ETL example on two workers and a redis-server it starts, then stops all of them', async () => {
    const { stdout, stderr } = await run(process.execPath, [script], { env: envWith({}) });
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ workflow: 'etl', output: { loaded: 4, totalUsdCents: 1375 + 9900 + 495 + 12000 } });
    expect(Object.keys(result.branches).sort()).toEqual(['transform-1', 'transform-2', 'transform-3', 'transform-4']);
    for (const worker of Object.values(result.branches)) expect(WORKERS).toContain(worker);
    expect(Object.keys(result.pids).sort()).toEqual(['producer', 'redis-server', ...WORKERS].sort());
    expect(result.keyPrefix).not.toContain(':');
    expect(reportedPids(stderr).sort()).toEqual(Object.values<number>(result.pids).sort());
    expect(Object.values<number>(result.pids).filter(alive)).toEqual([]);
  });

  test('uses REDIS_URL when it is set, and leaves that Redis running', async () => {
    const redis = await startRedisServer();
    try {
      const { stdout } = await run(process.execPath, [script], { env: envWith({ REDIS_URL: `redis://${redis.host}:${redis.port}` }) });
      const result = JSON.parse(stdout);
      expect(result.output).toEqual({ loaded: 4, totalUsdCents: 23770 });
      expect(Object.keys(result.pids).sort()).toEqual(['producer', ...WORKERS].sort());
      expect(Object.values<number>(result.pids).filter(alive)).toEqual([]);
      expect(alive(redis.process.pid!)).toBe(true);
    } finally {
      await redis.stop();
    }
  });

  test('fails in one line when the workers cannot reach Redis, and leaves no process behind', async () => {
    const port = await freePort();
    const failed = await run(process.execPath, [script], { env: envWith({ REDIS_URL: `redis://127.0.0.1:${port}` }) }).then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed!.stdout).toBe('');
    const errors = failed!.stderr.split('\n').filter((l) => l.startsWith('example:distributed failed:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`worker-1 exited \\d+ before running: .*127\\.0\\.0\\.1:${port}`));
    const pids = reportedPids(failed!.stderr);
    expect(pids.length).toBeGreaterThan(0);
    expect(pids.filter(alive)).toEqual([]);
  });
});
