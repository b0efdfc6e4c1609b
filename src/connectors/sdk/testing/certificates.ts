// Throwaway TLS certificates for the fake PSP (a CA, a server certificate for 127.0.0.1, a client certificate), made with the openssl binary.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KeyPair {
  /** PEM */
  cert: string;
  /** PEM (unencrypted) */
  key: string;
}

export interface TestCertificates {
  ca: KeyPair;
  server: KeyPair;
  client: KeyPair;
}

let cached: Promise<TestCertificates> | undefined;

/**
 * One set per test process (generating keys takes a moment), valid for a day. The openssl binary is
 * used rather than a library: it is on every CI image and every developer machine that has git, and
 * the certificates it makes are the ones real PSPs' clients meet.
 */
export function generateCertificates(): Promise<TestCertificates> {
  cached ??= make();
  return cached;
}

async function make(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-psp-tls-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  try {
    await openssl(
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
      '-keyout', path('ca.key'), '-out', path('ca.crt'), '-subj', '/CN=fake-psp-test-ca',
    ); // prettier-ignore
    await writeFile(
      path('server.ext'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
    );
    await writeFile(path('client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const [name, cn] of [
      ['server', '127.0.0.1'],
      ['client', 'fake-psp-client'],
    ] as const) {
      await openssl(
        'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path(`${name}.key`),
        '-out', path(`${name}.csr`), '-subj', `/CN=${cn}`,
      ); // prettier-ignore
      await openssl(
        'x509', '-req', '-in', path(`${name}.csr`), '-CA', path('ca.crt'), '-CAkey', path('ca.key'),
        '-CAcreateserial', '-days', '1', '-out', path(`${name}.crt`), '-extfile', path(`${name}.ext`),
      ); // prettier-ignore
    }
    const pair = async (name: string): Promise<KeyPair> => ({
      cert: await readFile(path(`${name}.crt`), 'utf8'),
      key: await readFile(path(`${name}.key`), 'utf8'),
    });
    return { ca: await pair('ca'), server: await pair('server'), client: await pair('client') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
