/**
 * Certificates for the TLS tests, made with openssl in a private directory: a CA, a server
 * certificate for 127.0.0.1 and localhost, a client certificate, and a second CA that
 * signed none of them (the "wrong CA"). EC P-256 keys, valid for one day.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ThrowawayTls } from '../../scripts/throwaway-redis.ts';

export type TestCerts = ThrowawayTls & { dir: string; wrongCa: string; remove(): void };

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'hardq-tls-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const selfSignedCa = (name: string, cn: string) =>
    openssl('req', '-x509', ...newKey, '-keyout', at(`${name}.key`), '-out', at(`${name}.crt`), '-days', '1', '-subj', `/CN=${cn}`);
  const signed = (name: string, cn: string, extensions: string) => {
    openssl('req', ...newKey, '-keyout', at(`${name}.key`), '-out', at(`${name}.csr`), '-subj', `/CN=${cn}`);
    writeFileSync(at(`${name}.ext`), extensions);
    openssl('x509', '-req', '-in', at(`${name}.csr`), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial',
      '-out', at(`${name}.crt`), '-days', '1', '-extfile', at(`${name}.ext`));
  };
  selfSignedCa('ca', 'hardq test CA');
  selfSignedCa('wrong-ca', 'some other CA');
  signed('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed('client', 'hardq test client', 'extendedKeyUsage=clientAuth\n');
  return {
    dir, ca: at('ca.crt'), wrongCa: at('wrong-ca.crt'),
    serverCert: at('server.crt'), serverKey: at('server.key'), clientCert: at('client.crt'), clientKey: at('client.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The one line a client that does not trust the server's certificate fails with (shared/tls.ts). */
export const untrustedCertificateLine = /^cannot reach Redis at 127\.0\.0\.1:\d+ \(TLS: the server's certificate is not trusted, [A-Z_]+; give the CA that signed it \(tls\.ca, --tls-ca\)\)$/;

/** Asserts that a first connection fails with that line, and sooner than `withinMs` (a certificate error is not retried). */
export async function assertUntrustedCertificate(connecting: Promise<unknown>, withinMs: number): Promise<void> {
  const startedAt = Date.now();
  await assert.rejects(connecting, (error: Error & { code?: string }) => {
    assert.equal(error.code, 'REDIS_UNAVAILABLE');
    assert.match(error.message, untrustedCertificateLine);
    return true;
  });
  assert.ok(Date.now() - startedAt < withinMs, 'a certificate error is not retried for connectTimeoutMs');
}
