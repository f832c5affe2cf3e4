import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWorkerCli, DEFAULTS, WORKER_CLI_FLAGS, type ResolvedWorkerCliOptions } from '../src/cli/options';
import { REDIS_FLAGS, parseRedisFlags } from '../src/cli/redis-flags';
import { CliUsageError } from '../src/cli/errors';
import { TASK_WORKER_DEFAULTS } from '../src/task-worker-options';

const TASKS = ['--tasks', './dist/tasks.js'];

// Stand-ins for PEM files: the CLI reads them and checks for a PEM header, nothing more.
const pemDir = mkdtempSync(join(tmpdir(), 'graflow-cli-pem-'));
const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n';
const files = { ca: join(pemDir, 'ca.pem'), cert: join(pemDir, 'client.pem'), key: join(pemDir, 'client.key'), notPem: join(pemDir, 'der.bin') };
writeFileSync(files.ca, CA);
writeFileSync(files.cert, CERT);
writeFileSync(files.key, KEY);
writeFileSync(files.notPem, Buffer.from([0x30, 0x82, 0x01]));
afterAll(() => rmSync(pemDir, { recursive: true, force: true }));

async function resolve(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<ResolvedWorkerCliOptions> {
  const result = await parseWorkerCli(argv, env);
  if (result.kind !== 'options') throw new Error('expected options, got help');
  return result.options;
}

async function usageError(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const err = await parseWorkerCli(argv, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliUsageError);
  const message = (err as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('worker command line', () => {
  it('applies the documented defaults, with durations in ms', async () => {
    const options = await resolve(TASKS);
    expect(options).toMatchObject({
      mode: 'worker',
      redis: { host: DEFAULTS.redisHost, port: DEFAULTS.redisPort },
      keyPrefix: 'graflow',
      taskModules: ['./dist/tasks.js'],
      queues: ['tasks'],
      concurrency: 4,
      gracefulShutdownTimeoutMs: 30_000,
      lockDurationMs: 30_000,
      stalledIntervalMs: 30_000,
      maxStalledCount: 3,
      http: { host: '0.0.0.0', port: 9464, portChosen: false },
      logLevel: 'info',
    });
    expect(options.workerId).toMatch(new RegExp(`-${process.pid}$`));
    expect(options).not.toHaveProperty('maxPayloadBytes'); // no ceiling: each job's limit applies
    expect(options.redis).toEqual({ host: '127.0.0.1', port: 6379 });
  });

  it('reads every flag', async () => {
    const options = await resolve([
      '--worker-id', 'w1', '--redis-host', 'redis.local', '--redis-port', '6380', '--redis-key-prefix', '{app}:wf',
      '--tasks', 'a.js', '--tasks', 'b.mjs', '--concurrency', '8', '--graceful-shutdown-timeout', '2.5',
      '--metrics-port', '9100', '--metrics-host', '127.0.0.1', '--redis-password', 'pw', '--redis-username', 'u',
      '--redis-tls', '--lock-duration', '5000', '--stalled-interval', '1000', '--log-level', 'debug',
      '--queues', 'gpu', '--queues', 'io,tasks', '--max-stalled-count', '1', '--max-payload-bytes', '1048576',
      '--redis-tls-ca', files.ca, '--redis-tls-cert', files.cert, '--redis-tls-key', files.key,
    ]);
    expect(options).toEqual({
      mode: 'worker',
      workerId: 'w1',
      redis: { host: 'redis.local', port: 6380, username: 'u', password: 'pw', tls: { ca: CA, cert: CERT, key: KEY } },
      keyPrefix: '{app}:wf',
      taskModules: ['a.js', 'b.mjs'],
      queues: ['gpu', 'io', 'tasks'],
      concurrency: 8,
      gracefulShutdownTimeoutMs: 2_500,
      lockDurationMs: 5_000,
      stalledIntervalMs: 1_000,
      maxStalledCount: 1,
      maxPayloadBytes: 1_048_576,
      http: { host: '127.0.0.1', port: 9100, portChosen: true },
      logLevel: 'debug',
    });
  });

  it('reads the environment, and a flag wins over its variable', async () => {
    const env = {
      WORKER_ID: 'env-w', REDIS_HOST: 'h', REDIS_PORT: '7000', REDIS_PASSWORD: 'secret', REDIS_KEY_PREFIX: 'envp',
      MAX_CONCURRENT_TASKS: '3', GRAFLOW_TASKS: 'one.js, two.js:three.mjs', GRACEFUL_SHUTDOWN_TIMEOUT: '7', METRICS_PORT: '0',
      REDIS_USERNAME: 'envuser', REDIS_TLS: 'true', GRAFLOW_MAX_STALLED_COUNT: '5', GRAFLOW_MAX_PAYLOAD_BYTES: '2048',
    };
    const fromEnv = await resolve([], env);
    expect(fromEnv).toMatchObject({
      workerId: 'env-w', redis: { host: 'h', port: 7000, username: 'envuser', password: 'secret', tls: true }, keyPrefix: 'envp', concurrency: 3,
      taskModules: ['one.js', 'two.js', 'three.mjs'], gracefulShutdownTimeoutMs: 7_000, http: null, maxStalledCount: 5, maxPayloadBytes: 2048,
    });
    const flagsWin = await resolve(['--worker-id', 'flag-w', '--redis-port', '7001', '--concurrency', '5', '--max-stalled-count', '2', '--redis-username', 'flaguser', ...TASKS], env);
    expect(flagsWin).toMatchObject({ workerId: 'flag-w', redis: { port: 7001, username: 'flaguser' }, concurrency: 5, maxStalledCount: 2, taskModules: ['./dist/tasks.js'] });
    expect((await resolve(TASKS, { REDIS_TLS: '0' })).redis).not.toHaveProperty('tls');
    expect((await resolve(TASKS, { REDIS_TLS: 'off' })).redis).not.toHaveProperty('tls');
  });

  it('reads --queues repeated or comma-separated, and GRAFLOW_QUEUES, without duplicates', async () => {
    expect((await resolve([...TASKS, '--queues', 'gpu,io'])).queues).toEqual(['gpu', 'io']);
    expect((await resolve([...TASKS, '--queues', 'gpu', '--queues', ' io , gpu'])).queues).toEqual(['gpu', 'io']);
    expect((await resolve(TASKS, { GRAFLOW_QUEUES: 'tasks, gpu' })).queues).toEqual(['tasks', 'gpu']);
    expect((await resolve([...TASKS, '--queues', 'io'], { GRAFLOW_QUEUES: 'gpu' })).queues).toEqual(['io']);
    expect((await resolve(['--exporter-only', '--queues', 'tasks,gpu'])).queues).toEqual(['tasks', 'gpu']);
    expect((await resolve(['--exporter-only'])).queues).toEqual(['tasks']);
  });

  it.each([
    [['--queues', 'gpu!'], 'invalid value for --queues: "gpu!" (expected queue names of 1 to 64 letters, digits, "_" or "-", separated by ",")'],
    [['--queues', 'gpu,a:b'], 'invalid value for --queues: "a:b"'],
    [['--queues', 'gpu,'], 'invalid value for --queues: ""'],
    [['--queues', 'x'.repeat(65)], `invalid value for --queues: "${'x'.repeat(65)}"`],
  ])('rejects the queue names %j naming the flag and the value', async (argv, expected) => {
    expect(await usageError([...TASKS, ...argv])).toContain(expected);
  });

  it('names GRAFLOW_QUEUES when a bad queue name comes from it', async () => {
    expect(await usageError(TASKS, { GRAFLOW_QUEUES: 'tasks,g p u' })).toContain('invalid value for --queues (from GRAFLOW_QUEUES): "g p u"');
  });

  it('takes a Redis URL, and rediss: turns TLS on', async () => {
    const options = await resolve([...TASKS], { REDIS_URL: 'rediss://user:pw@cache:6390/0' });
    expect(options.redis).toEqual({ url: 'rediss://user:pw@cache:6390/0', tls: true });
    expect(await usageError(['--redis-url', 'redis://x:1', '--redis-port', '2', ...TASKS])).toBe(
      '--redis-url conflicts with --redis-port: give a URL or a host and port, not both',
    );
    expect(await usageError(['--redis-url', 'http://x', ...TASKS])).toContain('--redis-url');
  });

  it('reads the TLS files: PEM text in redis.tls, TLS on with any of them', async () => {
    expect((await resolve([...TASKS, '--redis-tls-ca', files.ca])).redis).toEqual({ host: '127.0.0.1', port: 6379, tls: { ca: CA } });
    const env = { REDIS_TLS_CA: files.ca, REDIS_TLS_CERT: files.cert, REDIS_TLS_KEY: files.key };
    expect((await resolve(TASKS, env)).redis.tls).toEqual({ ca: CA, cert: CERT, key: KEY });
    expect((await resolve([...TASKS, '--redis-url', 'rediss://cache:6390', '--redis-tls-ca', files.ca])).redis).toEqual({ url: 'rediss://cache:6390', tls: { ca: CA } });
  });

  it.each([
    [['--redis-tls-ca', '/nonexistent/ca.pem'], 'cannot read --redis-tls-ca file "/nonexistent/ca.pem": no such file'],
    [['--redis-tls-cert', pemDir, '--redis-tls-key', files.key], `cannot read --redis-tls-cert file "${pemDir}": is a directory`],
    [['--redis-tls-ca', files.notPem], `--redis-tls-ca file "${files.notPem}" is not PEM (no "-----BEGIN" line)`],
    [['--redis-tls-cert', files.cert], '--redis-tls-cert needs --redis-tls-key: a client certificate takes both the certificate and its key'],
    [['--redis-tls-key', files.key], '--redis-tls-key needs --redis-tls-cert'],
    [['--no-redis-tls', '--redis-tls-ca', files.ca], '--redis-tls is false but TLS files are given (--redis-tls-ca)'],
    [['--max-stalled-count', '0'], 'invalid value for --max-stalled-count: "0" (expected an integer from 1 to 1000000)'],
    [['--max-payload-bytes', '1kb'], 'invalid value for --max-payload-bytes: "1kb"'],
  ])('rejects the Redis and redelivery flags %j naming the flag and the value (or path)', async (argv, expected) => {
    expect(await usageError([...TASKS, ...argv])).toContain(expected);
  });

  it('names the variable of a bad TLS file or switch', async () => {
    expect(await usageError(TASKS, { REDIS_TLS_KEY: '/nonexistent/key.pem', REDIS_TLS_CERT: files.cert })).toBe(
      'cannot read --redis-tls-key (from REDIS_TLS_KEY) file "/nonexistent/key.pem": no such file',
    );
    expect(await usageError(TASKS, { REDIS_TLS: 'maybe' })).toBe('invalid value for --redis-tls (from REDIS_TLS): "maybe" (expected true or false)');
  });

  it('shares the Redis flags with other CLIs (the board): same table, same resolution', () => {
    for (const [name, spec] of Object.entries(REDIS_FLAGS)) expect(WORKER_CLI_FLAGS[name as keyof typeof WORKER_CLI_FLAGS]).toBe(spec);
    expect(parseRedisFlags({ 'redis-port': '7000', 'redis-key-prefix': 'b' }, { REDIS_USERNAME: 'board', REDIS_TLS_CA: files.ca })).toEqual({
      redis: { host: '127.0.0.1', port: 7000, username: 'board', tls: { ca: CA } },
      keyPrefix: 'b',
    });
  });

  it('takes its defaults from TaskWorker\'s', () => {
    expect(DEFAULTS).toMatchObject({
      concurrency: TASK_WORKER_DEFAULTS.concurrency,
      lockDurationMs: TASK_WORKER_DEFAULTS.lockDurationMs,
      stalledIntervalMs: TASK_WORKER_DEFAULTS.stalledIntervalMs,
      maxStalledCount: TASK_WORKER_DEFAULTS.maxStalledCount,
      gracefulShutdownTimeoutS: TASK_WORKER_DEFAULTS.gracefulShutdownTimeoutMs / 1000,
    });
  });

  it('takes a Redis Cluster seed node, which needs a braced key prefix', async () => {
    const options = await resolve(['--redis-cluster', '--redis-port', '7000', '--redis-key-prefix', '{app}:wf', ...TASKS]);
    expect(options).toMatchObject({ redis: { host: '127.0.0.1', port: 7000, cluster: true }, keyPrefix: '{app}:wf' });
    expect(await usageError(['--redis-cluster', '--redis-key-prefix', 'app:wf', ...TASKS])).toBe(
      'invalid value for --redis-key-prefix: "app:wf" (expected a {hash tag} with --redis-cluster, e.g. "{myapp}:workflows", or --redis-shards above 1)',
    );
    expect(await usageError(['--redis-cluster', ...TASKS], { REDIS_KEY_PREFIX: 'plain' })).toContain('--redis-key-prefix (from REDIS_KEY_PREFIX): "plain"');
    expect(await usageError(['--redis-cluster', ...TASKS])).toContain('--redis-key-prefix (default): "graflow"');
    expect(await usageError(['--redis-cluster', '--redis-url', 'redis://x:1', '--redis-key-prefix', '{a}', ...TASKS])).toContain(
      '--redis-cluster conflicts with --redis-url',
    );
  });

  it.each([
    [['--redis-port', '70000'], 'invalid value for --redis-port: "70000" (expected an integer from 1 to 65535)'],
    [['--redis-port', 'abc'], 'invalid value for --redis-port: "abc"'],
    [['--concurrency', '0'], 'invalid value for --concurrency: "0" (expected an integer from 1 to 10000)'],
    [['--concurrency', '1.5'], 'invalid value for --concurrency: "1.5"'],
    [['--graceful-shutdown-timeout', '-1'], 'invalid value for --graceful-shutdown-timeout: "-1" (expected a number of seconds >= 0)'],
    [['--log-level', 'loud'], 'invalid value for --log-level: "loud" (expected one of debug, info, warn, error, silent)'],
    [['--metrics-port', '65536'], 'invalid value for --metrics-port: "65536"'],
    [['--lock-duration', '0'], 'invalid value for --lock-duration: "0"'],
    [['--lock-duration', '50'], 'invalid value for --lock-duration: "50" (expected an integer from 100 to 2147483647)'],
    [['--stalled-interval', '-5'], 'invalid value for --stalled-interval: "-5"'],
    [['--redis-key-prefix', 'a b'], 'invalid value for --redis-key-prefix: "a b"'],
  ])('rejects %j naming the flag and the value', async (argv, expected) => {
    expect(await usageError([...TASKS, ...argv])).toContain(expected);
  });

  it('names the variable when a bad value comes from the environment', async () => {
    expect(await usageError(TASKS, { REDIS_PORT: '99999' })).toBe(
      'invalid value for --redis-port (from REDIS_PORT): "99999" (expected an integer from 1 to 65535)',
    );
  });

  it('rejects unknown flags, stray arguments and a missing --tasks', async () => {
    expect(await usageError([...TASKS, '--bogus'])).toContain('bogus');
    expect(await usageError(['stray', ...TASKS])).toContain('stray');
    expect(await usageError([])).toContain('--tasks');
  });

  it('needs no task modules in exporter mode', async () => {
    const options = await resolve(['--exporter-only']);
    expect(options).toMatchObject({ mode: 'exporter', taskModules: [] });
    const forced = await parseWorkerCli([], {}, { scriptName: 'graflow-exporter', exporterOnly: true });
    expect(forced).toMatchObject({ kind: 'options', options: { mode: 'exporter' } });
  });

  it('lists every flag with its default and variable in --help', async () => {
    const result = await parseWorkerCli(['--help'], {});
    if (result.kind !== 'help') throw new Error('expected help');
    for (const flag of ['--worker-id', '--redis-host', '--redis-port', '--redis-key-prefix', '--tasks', '--concurrency',
      '--graceful-shutdown-timeout', '--metrics-port', '--redis-url', '--redis-password', '--redis-username', '--redis-tls',
      '--redis-tls-ca', '--redis-tls-cert', '--redis-tls-key', '--lock-duration', '--stalled-interval', '--max-stalled-count',
      '--max-payload-bytes', '--log-level', '--exporter-only', '--redis-cluster', '--queues']) {
      expect(result.text).toContain(flag);
    }
    const text = result.text.replace(/\s+/g, ' '); // yargs wraps long lines anywhere
    for (const env of ['WORKER_ID', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_URL', 'REDIS_PASSWORD', 'REDIS_USERNAME', 'REDIS_KEY_PREFIX',
      'REDIS_TLS', 'REDIS_TLS_CA', 'REDIS_TLS_CERT', 'REDIS_TLS_KEY', 'MAX_CONCURRENT_TASKS', 'GRAFLOW_TASKS',
      'GRACEFUL_SHUTDOWN_TIMEOUT', 'METRICS_PORT', 'GRAFLOW_QUEUES', 'GRAFLOW_MAX_STALLED_COUNT', 'GRAFLOW_MAX_PAYLOAD_BYTES']) {
      expect(text).toContain(`[env: ${env}]`);
    }
    // Every variable and default of the table is in the help.
    for (const spec of Object.values(WORKER_CLI_FLAGS)) {
      if ('env' in spec) expect(text).toContain(`[env: ${spec.env}]`);
      if ('shownDefault' in spec) expect(text).toContain(`[default: ${spec.shownDefault}]`);
    }
    expect(text).toMatch(/--max-stalled-count [^[]*\[env: GRAFLOW_MAX_STALLED_COUNT\] \[string\] \[default: 3\]/);
    expect(result.text).toContain('[default: 6379]');
    expect(result.text).toContain('[default: 30]');
    expect(result.text).toMatch(/--queues\s[^[]*\[env: GRAFLOW_QUEUES\]\s+\[array\] \[default: tasks\]/);
  });
});
