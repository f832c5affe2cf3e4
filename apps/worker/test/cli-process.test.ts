import { freePort, sharedRedis, uniquePrefix } from '@graflow/testing';
import { CliProcess, WORKER_BIN, killSpawned, runToExit, sharedRedisArgs } from './fixtures/cli';

afterEach(killSpawned);

const redisArgs = (prefix: string) => [...sharedRedisArgs(prefix), '--metrics-port', '0'];

describe('graflow-worker start-up (spawned)', () => {
  it('--help lists every flag with its default and variable, and exits 0', async () => {
    const result = await runToExit(WORKER_BIN, ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^graflow-worker \[options\]/);
    expect(result.stdout).toMatch(/--redis-port\s+Redis port \[env: REDIS_PORT\]\s+\[string\] \[default: 6379\]/);
    expect(result.stdout).toMatch(/--concurrency[^\n]*\[env: MAX_CONCURRENT_TASKS\][^\n]*\[default: 4\]/);
    expect(result.stdout).toMatch(/--queues\s[^[]*\[env: GRAFLOW_QUEUES\]\s+\[array\] \[default: tasks\]/);
    expect(result.stdout.replace(/\s+/g, ' ')).toMatch(/--max-stalled-count [^[]*\[env: GRAFLOW_MAX_STALLED_COUNT\] \[string\] \[default: 3\]/);
    expect(result.stdout.replace(/\s+/g, ' ')).toMatch(/--redis-tls-ca PEM file [^[]*\[env: REDIS_TLS_CA\] \[string\]/);
    for (const flag of ['--worker-id', '--redis-key-prefix', '--tasks', '--graceful-shutdown-timeout', '--metrics-port',
      '--redis-url', '--redis-password', '--redis-username', '--redis-tls', '--redis-tls-ca', '--redis-tls-cert', '--redis-tls-key',
      '--lock-duration', '--stalled-interval', '--max-stalled-count', '--max-payload-bytes', '--log-level', '--exporter-only', '--queues']) {
      expect(result.stdout).toContain(flag);
    }
  });

  it('exits 2 on an unknown flag', async () => {
    const result = await runToExit(WORKER_BIN, ['--tasks', 'tasks.js', '--bogus-flag', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('graflow-worker: Unknown argument: bogus-flag (see --help)');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 on a bad port, naming the flag and the value in one line', async () => {
    const result = await runToExit(WORKER_BIN, ['--tasks', 'tasks.js', '--redis-port', '70000']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'graflow-worker: invalid value for --redis-port: "70000" (expected an integer from 1 to 65535) (see --help)',
    );
    const fromEnv = await runToExit(WORKER_BIN, [], { env: { GRAFLOW_TASKS: 'tasks.js', MAX_CONCURRENT_TASKS: '0' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('--concurrency (from MAX_CONCURRENT_TASKS): "0"');
  });

  it('exits 1 when Redis is unreachable, naming host:port and the prefix without a stack', async () => {
    const deadPort = await freePort();
    const prefix = uniquePrefix('unreachable');
    const started = Date.now();
    const result = await runToExit(WORKER_BIN, ['--tasks', 'tasks.js', '--redis-port', String(deadPort), '--redis-key-prefix', prefix]);
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000); // a short connect timeout, no endless retry
    const failure = result.logs.find((r) => r.level === 'error');
    expect(failure?.msg).toBe(`cannot reach Redis at 127.0.0.1:${deadPort} (key prefix '${prefix}'): connect ECONNREFUSED 127.0.0.1:${deadPort}`);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
  });

  it('reads the Redis settings from the environment too', async () => {
    const deadPort = await freePort();
    const result = await runToExit(WORKER_BIN, [], {
      env: { GRAFLOW_TASKS: 'tasks.js', REDIS_PORT: String(deadPort), REDIS_KEY_PREFIX: 'from-env' },
    });
    expect(result.code).toBe(1);
    expect(result.logs.find((r) => r.level === 'error')?.msg).toContain(`127.0.0.1:${deadPort} (key prefix 'from-env')`);
  });

  it('exits 1 when the task modules register no task', async () => {
    const result = await runToExit(WORKER_BIN, ['--tasks', './no-tasks.js', ...redisArgs(uniquePrefix('none'))]);
    expect(result.code).toBe(1);
    expect(result.logs.find((r) => r.level === 'error')?.msg).toBe(
      'no tasks registered by ./no-tasks.js: a task module must define tasks with task(id, fn) from @graflow/core',
    );
  });

  it('resolves a package name from the working directory', async () => {
    // @graflow/core itself loads fine but registers nothing.
    const result = await runToExit(WORKER_BIN, ['--tasks', '@graflow/core', ...redisArgs(uniquePrefix('pkg'))]);
    expect(result.code).toBe(1);
    expect(result.logs.find((r) => r.level === 'error')?.msg).toMatch(/^no tasks registered by @graflow\/core/);
  });

  it.each([
    ['./broken.mjs', 'cannot load task module "./broken.mjs": fixture failed to load on purpose'],
    ['./missing.js', 'cannot load task module "./missing.js": Cannot find module'],
  ])('exits 1 when %s fails to load, naming it in one line', async (spec, expected) => {
    const result = await runToExit(WORKER_BIN, ['--tasks', 'tasks.js', '--tasks', spec, ...redisArgs(uniquePrefix('broken'))]);
    expect(result.code).toBe(1);
    const failure = result.logs.find((r) => r.level === 'error')!;
    expect(failure.msg).toContain(expected);
    expect(failure.msg).not.toContain('\n');
    expect(result.stdout).not.toContain('second line');
  });

  it('loads CommonJS, .mjs and type-module .js task modules, logs their task ids, and stops on SIGTERM', async () => {
    // A user's command line: no metrics port (the default, or a free one when it is taken).
    const { host, port } = sharedRedis();
    const proc = new CliProcess(WORKER_BIN, [
      '--tasks', 'tasks.js', '--tasks', 'esm-tasks.mjs', '--tasks', './esm-type-module/tasks.js', '--worker-id', 'w-load',
      '--redis-host', host, '--redis-port', String(port), '--redis-key-prefix', uniquePrefix('load'),
    ]);
    const registered = await proc.waitForLog('tasks registered');
    expect(registered).toMatchObject({
      workerId: 'w-load',
      taskIds: expect.arrayContaining(['fx.sleepy', 'fx.maybe-fail', 'fx.esm.upper', 'fx.esm.echo']),
      modules: ['tasks.js', 'esm-tasks.mjs', './esm-type-module/tasks.js'],
    });
    await proc.waitForLog('graflow-worker running');
    proc.signal('SIGTERM');
    expect(await proc.waitForExit()).toEqual({ code: 0, signal: null });
    expect(proc.logs().every((r) => typeof r.ts === 'string' && typeof r.level === 'string' && r.workerId === 'w-load')).toBe(true);
  });
});
