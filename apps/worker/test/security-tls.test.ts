import { freePort, makeTlsCertificates, startRedisServer, uniquePrefix, waitFor, type RedisServerHandle, type TlsCertificates } from '@graflow/testing';
import { CliProcess, EXPORTER_BIN, WORKER_BIN, killSpawned, runToExit } from './fixtures/cli';
import { scrape } from './fixtures/http';
import { runDistributed, sleepers, spawnWorker } from './fixtures/worker';

// Redis that speaks only TLS, with a certificate from a private CA, and that requires a client
// certificate from the same CA (mutual TLS). Nothing here trusts the CA system-wide: the
// producer gets it in `config.tls`, the CLIs as files.
const base = uniquePrefix('tls');
const USER = { name: 'graflow-app', password: 'app-secret' };
let certs: TlsCertificates;
let redis: RedisServerHandle;

beforeAll(async () => {
  certs = await makeTlsCertificates();
  redis = await startRedisServer({ tls: certs, aclUsers: [{ ...USER, rules: [`~${base}*`, `&${base}*`, '+@all', '-@dangerous'] }] });
});
afterEach(killSpawned);
afterAll(async () => {
  await redis?.stop();
  certs?.remove();
});

const target = () => ['--redis-host', redis.host, '--redis-port', String(redis.port)];
const fileFlags = () => ['--redis-tls-ca', certs.caFile, '--redis-tls-cert', certs.clientCertFile, '--redis-tls-key', certs.clientKeyFile];
const tlsConfig = () => ({ host: redis.host, port: redis.port, tls: { ca: certs.ca, cert: certs.clientCert, key: Buffer.from(certs.clientKey) } });

describe('over TLS with a private CA and client certificates', () => {
  it('a producer (config.tls) and a spawned worker (--redis-tls-* files) run a group', async () => {
    const prefix = `${base}:flags`;
    const worker = await spawnWorker({ args: [...target(), ...fileFlags()] }, prefix);
    const result = await runDistributed(prefix, () => sleepers(20, [1, 2, 3]), tlsConfig());
    expect(result.results).toEqual({ s1: 1, s2: 2, s3: 3 });
    expect(await worker.metric('graflow_tasks_total', { status: 'succeeded' })).toBe(3);
    expect(await worker.status('/readyz')).toBe(200);
  });

  it('the worker takes the files from REDIS_TLS_CA, REDIS_TLS_CERT and REDIS_TLS_KEY', async () => {
    const prefix = `${base}:env`;
    const env = { REDIS_TLS_CA: certs.caFile, REDIS_TLS_CERT: certs.clientCertFile, REDIS_TLS_KEY: certs.clientKeyFile };
    await spawnWorker({ args: target() }, prefix, [], { env });
    const result = await runDistributed(prefix, () => sleepers(20, [1, 2]), tlsConfig());
    expect(result.results).toEqual({ s1: 1, s2: 2 });
  });

  it('a rediss:// URL works with the CA and client certificate, for the producer and the worker', async () => {
    const prefix = `${base}:url`;
    const url = `rediss://127.0.0.1:${redis.port}/0`;
    await spawnWorker({ args: ['--redis-url', url, ...fileFlags()] }, prefix);
    const { tls } = tlsConfig();
    const result = await runDistributed(prefix, () => sleepers(20, [1, 2]), { url, tls });
    expect(result.results).toEqual({ s1: 1, s2: 2 });
  });

  it('as an ACL user limited to the prefix: producer, worker and exporter', async () => {
    const prefix = `${base}:acl`;
    const user = ['--redis-username', USER.name];
    const env = { REDIS_PASSWORD: USER.password };
    const worker = await spawnWorker({ args: [...target(), ...fileFlags(), ...user] }, prefix, [], { env });
    const metricsPort = await freePort();
    const exporter = new CliProcess(EXPORTER_BIN, [...target(), ...fileFlags(), ...user, '--redis-key-prefix', prefix, '--metrics-host', '127.0.0.1', '--metrics-port', String(metricsPort)], { env });
    await exporter.waitForLog('exporter started');
    const result = await runDistributed(prefix, () => sleepers(20, [1, 2, 3]), { ...tlsConfig(), username: USER.name, password: USER.password });
    expect(result.results).toEqual({ s1: 1, s2: 2, s3: 3 });
    expect(await worker.metric('graflow_tasks_total', { status: 'succeeded' })).toBe(3);
    await waitFor(async () => (await scrape(metricsPort, 'graflow_queue_depth', { key_prefix: prefix, queue: 'tasks' })) === 0, { what: 'depth 0 over TLS' });
    for (const proc of [worker.proc, exporter]) {
      proc.signal('SIGTERM');
      expect((await proc.waitForExit()).code).toBe(0);
      expect(proc.stderr).toBe('');
    }
  });

  it.each([
    ['without the CA', () => ['--redis-tls', '--redis-tls-cert', certs.clientCertFile, '--redis-tls-key', certs.clientKeyFile], /self[- ]signed certificate/],
    ['without a client certificate', () => ['--redis-tls-ca', certs.caFile], /certificate required/],
  ])('%s the worker exits 1 within seconds, naming host:port and the prefix', async (_case, flags, why) => {
    const prefix = `${base}:refused`;
    const started = Date.now();
    const result = await runToExit(WORKER_BIN, ['--tasks', './tasks.js', ...target(), ...flags(), '--redis-key-prefix', prefix]);
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    const failure = result.logs.find((r) => r.level === 'error')!.msg;
    expect(failure).toMatch(new RegExp(`^cannot reach Redis at 127\\.0\\.0\\.1:${redis.port} \\(key prefix '${prefix}'\\)`));
    expect(failure).toMatch(why);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on an unreadable TLS file, naming the flag and the path in one line', async () => {
    const missing = `${certs.dir}/nope.pem`;
    const result = await runToExit(WORKER_BIN, ['--tasks', './tasks.js', ...target(), '--redis-tls-ca', missing]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`graflow-worker: cannot read --redis-tls-ca file "${missing}": no such file (see --help)`);
    const fromEnv = await runToExit(EXPORTER_BIN, target(), { env: { REDIS_TLS_KEY: certs.dir, REDIS_TLS_CERT: certs.clientCertFile } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr.trim()).toBe(`graflow-exporter: cannot read --redis-tls-key (from REDIS_TLS_KEY) file "${certs.dir}": is a directory (see --help)`);
  });
});
