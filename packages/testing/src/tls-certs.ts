import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A private CA and two certificates it signed, as files (for CLIs) and as PEM text (for configs). */
export interface TlsCertificates {
  readonly dir: string;
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** PEM text of the CA certificate and of the client certificate and key. */
  readonly ca: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** Deletes the directory. */
  remove(): void;
}

// EC keys: generated in milliseconds, where RSA would cost the shared CPU noticeably.
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir });
  } catch (err) {
    throw new Error(`openssl ${args[0]} failed: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
  }
}

/** Signs `<name>.crt` for `<name>.key` with the CA, with the given X.509 v3 extensions. */
async function issue(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  await openssl(dir, ['req', '-new', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', `${name}.crt`, '-days', '2', '-sha256', '-extfile', `${name}.ext`]);
}

/**
 * Makes, with `openssl`, a throwaway CA and a server certificate for 127.0.0.1 and localhost
 * plus a client certificate (for `tls-auth-clients yes`), in a temp directory. Nothing is
 * trusted system-wide: clients trust the CA only when given it.
 */
export async function makeTlsCertificates(): Promise<TlsCertificates> {
  const dir = mkdtempSync(join(tmpdir(), 'graflow-tls-'));
  try {
    await openssl(dir, ['req', '-x509', '-new', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=graflow-test-ca']);
    await issue(dir, 'server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    await issue(dir, 'client', '/CN=graflow-test-client', 'extendedKeyUsage=clientAuth\n');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const file = (name: string) => join(dir, name);
  return {
    dir,
    caFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
    ca: readFileSync(file('ca.crt'), 'utf8'),
    clientCert: readFileSync(file('client.crt'), 'utf8'),
    clientKey: readFileSync(file('client.key'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
