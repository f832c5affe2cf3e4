import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraflowConnectionError } from '@graflow/core';
import { freePort, startRedisServer, uniquePrefix, type RedisServerHandle } from '@graflow/testing';
import { createBoardServer, type BoardServer } from '../src/server';
import { BoardProcess, requireBuild } from './fixtures/board-cli';

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=graflow-test-ca');
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  for (const name of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === 'server' ? '127.0.0.1' : 'graflow-board'}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...(name === 'server' ? ['-extfile', 'san.cnf'] : []));
  }
}

describe('board over TLS (a redis-server that requires client certificates)', () => {
  let dir: string;
  let redis: RedisServerHandle;
  let tlsPort: number;
  let board: BoardServer | undefined;
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), 'board-tls-'));
    makeCertificates(dir);
    tlsPort = await freePort();
    redis = await startRedisServer({
      extraArgs: ['--tls-port', String(tlsPort), '--tls-cert-file', file('server.crt'), '--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.crt'), '--tls-auth-clients', 'yes'],
    });
  });
  afterEach(async () => {
    await board?.close();
    board = undefined;
    await BoardProcess.stopAll();
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the CA, client certificate and key', async () => {
    const tls = { ca: readFileSync(file('ca.crt')), cert: readFileSync(file('client.crt')), key: readFileSync(file('client.key')) };
    board = await createBoardServer({ redis: { host: '127.0.0.1', port: tlsPort, tls }, keyPrefix: uniquePrefix('board-tls'), port: 0 });
    const res = await fetch(`${board.url}/api/queues?activeQueue=tasks&status=latest&page=1&jobsPerPage=10`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { queues: { name: string }[] }).queues.map((q) => q.name)).toEqual(['tasks']);
  });

  it('fails with one line when the CA or the client certificate is missing', async () => {
    const noCa = await createBoardServer({ redis: { port: tlsPort, tls: true }, keyPrefix: 'tls-wf', port: 0, connectTimeoutMs: 3_000 }).catch((e: unknown) => e);
    expect(noCa).toBeInstanceOf(GraflowConnectionError);
    expect((noCa as Error).message).toMatch(new RegExp(`^cannot reach Redis at 127\\.0\\.0\\.1:${tlsPort} \\(key prefix 'tls-wf'\\)`));
    // (The reason joins the message in a real process; under jest, Node's errors come from another realm.)
    expect(String(((noCa as Error).cause as Error | undefined)?.message)).toMatch(/certificate/);
    const noClientCert = await createBoardServer({ redis: { port: tlsPort, tls: { ca: readFileSync(file('ca.crt')) } }, keyPrefix: 'tls-wf', port: 0, connectTimeoutMs: 3_000 }).catch((e: unknown) => e);
    expect(noClientCert).toBeInstanceOf(GraflowConnectionError);
  });

  it('takes the TLS files from REDIS_TLS_CA, REDIS_TLS_CERT and REDIS_TLS_KEY (CLI)', async () => {
    const board = new BoardProcess(['--port', '0'], {
      REDIS_PORT: String(tlsPort),
      REDIS_KEY_PREFIX: uniquePrefix('board-tls-cli'),
      REDIS_TLS_CA: file('ca.crt'),
      REDIS_TLS_CERT: file('client.crt'),
      REDIS_TLS_KEY: file('client.key'),
    });
    const listening = await board.waitForLog('board listening');
    expect((await fetch(`${listening.url as string}/api/queues`)).status).toBe(200);
    board.signal('SIGTERM');
    expect((await board.exited).code).toBe(0);
  });
});
