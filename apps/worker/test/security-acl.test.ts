import IORedis from 'ioredis';
import { GraflowConnectionError, workflow } from '@graflow/core';
import { freePort, startRedisServer, uniquePrefix, waitFor, type RedisServerHandle } from '@graflow/testing';
import { CliProcess, EXPORTER_BIN, WORKER_BIN, killSpawned, runToExit } from './fixtures/cli';
import { scrape } from './fixtures/http';
import { runDistributed, sleepers, spawnWorker } from './fixtures/worker';

// Everything as an ACL user limited to one namespace: its keys and channels, every command but
// the @dangerous ones (INFO, CLIENT LIST, KEYS, CONFIG, ...). Nothing may hang on a refused
// command, and a prefix outside the user's keys is reported as a permission problem.
const base = uniquePrefix('acl');
const USER = { name: 'graflow-app', password: 'app-secret' };
// Also without any CLIENT command.
const NO_CLIENT = { name: 'no-client', password: 'no-client-secret' };
// The same keys, but no channels (new users get none unless granted with &).
const KEYS_ONLY = { name: 'keys-only', password: 'keys-secret' };
let redis: RedisServerHandle;
let admin: IORedis;

beforeAll(async () => {
  redis = await startRedisServer({
    aclUsers: [
      { ...USER, rules: [`~${base}*`, `&${base}*`, '+@all', '-@dangerous'] },
      { ...NO_CLIENT, rules: [`~${base}*`, `&${base}*`, '+@all', '-@dangerous', '-client'] },
      { ...KEYS_ONLY, rules: [`~${base}*`, '+@all', '-@dangerous'] },
    ],
  });
  admin = new IORedis({ host: redis.host, port: redis.port, lazyConnect: true });
  await admin.connect();
});
afterEach(killSpawned);
afterAll(async () => {
  admin.disconnect();
  await redis.stop();
});

const asUser = (user = USER) => ({ host: redis.host, port: redis.port, username: user.name, password: user.password });
const userArgs = (user = USER) => ['--redis-host', redis.host, '--redis-port', String(redis.port), '--redis-username', user.name];
const userEnv = { REDIS_PASSWORD: USER.password };

/** The commands Redis refused the user since the last reset, as `command|subcommand` names. */
async function refused(): Promise<string[]> {
  const log = (await admin.call('ACL', 'LOG')) as unknown[][];
  return log.map((entry) => {
    const fields = new Map<string, unknown>();
    for (let i = 0; i < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
    return `${fields.get('reason')}:${fields.get('object')}`;
  });
}

describe('as an ACL user limited to the key prefix', () => {
  // The one refusal that is expected and harmless: BullMQ names a worker's blocking connection
  // with CLIENT SETNAME, whose refusal ioredis ignores. Nothing else may be refused (the producer's
  // no-worker watchdog reads worker heartbeats under the prefix, not CLIENT LIST).
  const HARMLESS = ['command:client|setname'];

  it.each([
    ['-@dangerous', USER],
    ['-@dangerous -client', NO_CLIENT],
  ])('(%s) a spawned worker (default flags but the user) and this producer run a group, and nothing hangs', async (_rules, user) => {
    await admin.call('ACL', 'LOG', 'RESET');
    const prefix = `${base}:run-${user.name}`;
    const worker = await spawnWorker({ args: userArgs(user) }, prefix, [], { env: { REDIS_PASSWORD: user.password } });
    // Long enough for the producer's no-worker watchdog to look at the queue at least once.
    const result = await runDistributed(prefix, () => sleepers(2_500, [1, 2, 3, 4]), asUser(user));
    expect(result.results).toEqual({ s1: 1, s2: 2, s3: 3, s4: 4 });
    expect(await worker.metric('graflow_tasks_total', { status: 'succeeded' })).toBe(4);
    expect(await worker.status('/readyz')).toBe(200);
    worker.proc.signal('SIGTERM');
    expect((await worker.proc.waitForExit()).code).toBe(0);
    expect(worker.proc.stderr).toBe(''); // no ioredis warning about a refused INFO
    expect((await refused()).filter((r) => !HARMLESS.includes(r))).toEqual([]);
  });

  it('the exporter reports the queue depth', async () => {
    await admin.call('ACL', 'LOG', 'RESET');
    const prefix = `${base}:exporter`;
    const metricsPort = await freePort();
    const exporter = new CliProcess(EXPORTER_BIN, [...userArgs(), '--redis-key-prefix', prefix, '--metrics-host', '127.0.0.1', '--metrics-port', String(metricsPort)], { env: userEnv });
    await exporter.waitForLog('exporter started');
    await waitFor(async () => (await scrape(metricsPort, 'graflow_queue_depth', { key_prefix: prefix, queue: 'tasks' })) === 0, { what: 'depth 0' });
    exporter.signal('SIGTERM');
    expect((await exporter.waitForExit()).code).toBe(0);
    expect(exporter.stderr).toBe('');
    expect(await refused()).toEqual([]);
  });

  it('a prefix outside the user\'s keys fails the worker and the exporter at once, as a permission problem naming the prefix', async () => {
    const outside = uniquePrefix('not-granted');
    for (const bin of [WORKER_BIN, EXPORTER_BIN]) {
      const started = Date.now();
      const result = await runToExit(bin, ['--tasks', './tasks.js', ...userArgs(), '--redis-key-prefix', outside].slice(bin === WORKER_BIN ? 0 : 2), { env: userEnv });
      expect(result.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000); // no hang on a refused command
      const failure = result.logs.find((r) => r.level === 'error')!;
      expect(failure.msg).toMatch(new RegExp(`^permission denied: Redis user '${USER.name}' at 127\\.0\\.0\\.1:${redis.port} may not use key prefix '${outside}' \\(NOPERM`));
      expect(failure.msg).toContain(`grant ~${outside}* and &${outside}*`);
      expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a namespace whose channels the user may not use is reported as a permission problem too', async () => {
    const prefix = `${base}:keys-only`;
    const result = await runToExit(WORKER_BIN, ['--tasks', './tasks.js', ...userArgs(), '--redis-username', KEYS_ONLY.name, '--redis-key-prefix', prefix], {
      env: { REDIS_PASSWORD: KEYS_ONLY.password },
    });
    expect(result.code).toBe(1);
    expect(result.logs.find((r) => r.level === 'error')!.msg).toMatch(
      new RegExp(`^permission denied: Redis user '${KEYS_ONLY.name}' .* key prefix '${prefix}' \\(NOPERM .*channels`),
    );
  });

  it('a producer with a prefix outside the user\'s keys rejects with RedisAccessError, a GraflowConnectionError', async () => {
    const outside = uniquePrefix('not-granted');
    const wf = workflow(`wf-${outside}`, () => sleepers(1, [1]));
    const err = await wf.run({ queueBackend: 'redis', config: { ...asUser(), keyPrefix: outside }, connectTimeoutMs: 3_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraflowConnectionError);
    expect((err as Error).name).toBe('RedisAccessError');
    expect((err as Error).message).toMatch(new RegExp(`^permission denied: Redis user '${USER.name}' .* key prefix '${outside}'`));
  });
});
