/**
 * TLS (shared/tls.ts, shared/connection.ts, the CLI's --tls-* flags): against a redis-server
 * that listens with TLS only and asks every client for a certificate, made here with openssl.
 * A worker in each mode (reliable: its heartbeat thread connects too) and a producer waiting
 * on the result subscriber round-trip tasks, in the library and as `hardq worker` and
 * `hardq call`; a wrong CA, a missing client certificate and a plain redis:// URL each fail
 * with one line that says what is wrong, at once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createApp, type App } from 'hardq';
import { startThrowawayRedis, type ThrowawayRedis } from '../scripts/throwaway-redis.ts';
import { assertUntrustedCertificate, makeTestCerts, untrustedCertificateLine, type TestCerts } from './helpers/tls-certs.ts';
import { waitFor } from './helpers/wait-for.ts';
import { killCliChildren, runCli, startCli, type CliExit } from './fixtures/cli.ts';

let certs: TestCerts;
let server: ThrowawayRedis;
before(async () => {
  certs = makeTestCerts();
  server = await startThrowawayRedis({ tls: certs });
});
after(async () => {
  await killCliChildren();
  await server?.stop();
  certs?.remove();
});

const logs: string[] = [];
const log = (line: string) => logs.push(line);

function oneLine(run: CliExit, pattern: RegExp): void {
  const lines = run.stderr.split('\n').filter((line) => line.length > 0);
  assert.equal(lines.length, 1, `exactly one stderr line, got:\n${run.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(run.code, 2, `exit code 2 (stderr: ${run.stderr})`);
}

for (const mode of ['reliable', 'simple'] as const) {
  test(`library, ${mode} mode: a worker and a producer round-trip tasks over TLS with a client certificate`, async () => {
    const queue = `tls-${randomUUID()}`;
    // File paths in one mode, PEM text in the other: both forms are accepted.
    const tls = mode === 'reliable'
      ? { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }
      : { ca: readFileSync(certs.ca, 'utf8'), cert: readFileSync(certs.clientCert, 'utf8'), key: readFileSync(certs.clientKey, 'utf8') };
    const app: App = createApp({ redis: server.url, tls, defaultQueue: queue, log });
    const add = app.task('add', (a: number, b: number) => a + b);
    const worker = app.worker({ mode, concurrency: 4 });
    const running = worker.run();
    try {
      const results = await Promise.all([1, 2, 3].map((n) => add.delay(n, 10)));
      const values = await Promise.all(results.map((result) => result.get({ timeoutMs: 10_000 })));
      assert.deepEqual(values, [11, 12, 13]);
    } finally {
      await worker.close();
      await running;
      await app.close();
    }
    assert.deepEqual(logs, [], 'no log lines');
  });
}

test('library: a wrong CA rejects the first connection at once with one line that names TLS', async () => {
  const app = createApp({ redis: server.url, tls: { ca: certs.wrongCa, cert: certs.clientCert, key: certs.clientKey }, connectTimeoutMs: 5000, log });
  await assertUntrustedCertificate(app.connection(), 3000);
  await app.close();
});

test('library: a missing file is an InvalidOptionError that names the option and the path', () => {
  assert.throws(() => createApp({ tls: { ca: '/no/such/ca.pem' } }), /^InvalidOptionError: tls\.ca: cannot read \/no\/such\/ca\.pem \(ENOENT\)/);
  assert.throws(() => createApp({ tls: { cert: certs.clientCert } }), /tls\.cert and tls\.key go together/);
});

test('CLI: hardq worker and hardq call --wait round-trip over TLS with --tls-ca, --tls-cert, --tls-key', async () => {
  const queue = `tls-cli-${randomUUID()}`;
  const tlsArgs = ['--redis', server.url, '--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey];
  const worker = startCli('hardq', ['worker', '-A', 'tests/fixtures/app.ts', '-Q', queue, ...tlsArgs]);
  try {
    await waitFor(() => worker.output().stderr.includes('ready; ctrl-c to stop') || worker.child.exitCode !== null, { timeoutMs: 20_000, what: 'the worker banner' });
    const call = await runCli('hardq', ['call', 'add', '-A', 'tests/fixtures/app.ts', '--args', '[2,3]', '--queue', queue, '--wait', '--timeout-ms', '10000', ...tlsArgs]);
    assert.equal(call.code, 0, call.stderr);
    assert.match(call.stdout, /^[\w-]+ {2}SUCCESS {2}5\n$/);
    assert.match(worker.output().stderr, /redis: +rediss:\/\/127\.0\.0\.1:\d+/);
  } finally {
    worker.child.kill('SIGTERM');
  }
  const stopped = await worker.exited;
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.doesNotMatch(stopped.stderr, /lost Redis|Error/);
});

test('CLI: a wrong CA, no client certificate, or a plain redis:// URL: one line each, exit 2', async () => {
  const url = server.url;
  const [wrongCa, noCert, plain] = await Promise.all([
    runCli('hardq', ['call', 'add', '--redis', url, '--tls-ca', certs.wrongCa, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey]),
    runCli('hardq', ['queues', '--redis', url, '--tls-ca', certs.ca]),
    runCli('hardq', ['result', 'some-id', '--redis', url.replace('rediss:', 'redis:')]),
  ]);
  oneLine(wrongCa, untrustedCertificateLine);
  assert.equal(wrongCa.stdout, '', 'nothing was sent');
  // With TLS 1.3 the server's refusal arrives after the handshake: the client reads either
  // its alert (CERTIFICATE_REQUIRED) or only the closed socket. Both lines say what to do.
  oneLine(noCert, /^cannot reach Redis at 127\.0\.0\.1:\d+ (\(\w+\); rediss:\/\/ needs a server that speaks TLS on that port .*needs --tls-cert and --tls-key|\(TLS: the server asks for a client certificate, [A-Z_0-9]+; give tls\.cert and tls\.key \(--tls-cert, --tls-key\)\))$/);
  oneLine(plain, /^cannot reach Redis at 127\.0\.0\.1:\d+ \(ECONNRESET\); the server closed the connection at once: if that port speaks TLS, use rediss:\/\/ and --tls-ca$/);
  const missing = await runCli('hardq', ['queues', '--redis', url, '--tls-ca', '/no/such/ca.pem']);
  oneLine(missing, /^--tls-ca: cannot read \/no\/such\/ca\.pem \(ENOENT\)/);
});
