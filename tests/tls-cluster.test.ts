/**
 * TLS on a Redis Cluster (issue 14, item 1): 3 masters that speak TLS only, to clients and
 * on the cluster bus (`tls-cluster yes`), and ask every client for a certificate, made here
 * with openssl. A producer and a reliable worker round-trip tasks on two queues owned by
 * different masters, through the library (`cluster: [...]`, `tls`) and through the CLI (the
 * rediss-cluster:// URL with --tls-ca, --tls-cert, --tls-key); a wrong CA fails at once with
 * one line, in both. Nothing is printed besides what the test asks for.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { createApp, type App } from 'hardq';
import { hashSlot } from '../shared/hash-slot.ts';
import { startCluster, type TestCluster } from './helpers/redis-cluster.ts';
import { assertUntrustedCertificate, makeTestCerts, untrustedCertificateLine, type TestCerts } from './helpers/tls-certs.ts';
import { waitFor } from './helpers/wait-for.ts';
import { killCliChildren, runCli, startCli } from './fixtures/cli.ts';

let certs: TestCerts;
let cluster: TestCluster;
let app: App;
const printed: string[] = [];
const log = (line: string) => printed.push(line);

before(async () => {
  certs = makeTestCerts();
  cluster = await startCluster({ tls: certs });
  app = createApp({ redis: { cluster: cluster.nodeUrls }, tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }, log });
});
after(async () => {
  await killCliChildren();
  await app?.close();
  await cluster?.stop();
  certs?.remove();
});

/** Two fresh queue names whose keys live on different masters. */
async function queuesOnTwoMasters(): Promise<[string, string]> {
  const slots = ((await app.connection()) as unknown as Cluster).slots;
  const first = `tls-${randomUUID()}`;
  const masterOf = (queue: string) => slots[hashSlot(app.keys.ready(queue))]![0];
  for (;;) {
    const second = `tls-${randomUUID()}`;
    if (masterOf(second) !== masterOf(first)) return [first, second];
  }
}

test('the nodes speak TLS only: the URL is rediss-cluster:// and the slot map names the TLS ports', async () => {
  assert.match(cluster.url, /^rediss-cluster:\/\/127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){2}$/);
  assert.ok(cluster.nodeUrls.every((url) => url.startsWith('rediss://')));
  // With --port 0 a node has no plain port: the one it announces (CLUSTER SLOTS) is its TLS port.
  const slots = ((await app.connection()) as unknown as Cluster).slots;
  const announced = new Set(slots.flat().map((key) => Number(key.split(':')[1])));
  assert.deepEqual([...announced].sort(), cluster.nodes.map((node) => node.port).sort());
});

test('library: a producer and a reliable worker round-trip tasks on two shards over TLS with a client certificate', async () => {
  const queues = await queuesOnTwoMasters();
  const add = app.task('add', (a: number, b: number) => a + b);
  const worker = app.worker({ mode: 'reliable', queues, concurrency: 2, blockTimeoutMs: 200 });
  const running = worker.run();
  try {
    const results = await Promise.all(queues.flatMap((queue, n) => [1, 2].map((k) => add.applyAsync([n, k], { queue }))));
    assert.deepEqual(await Promise.all(results.map((result) => result.get({ timeoutMs: 10_000 }))), [1, 2, 2, 3]);
  } finally {
    await worker.close();
    await running;
  }
  assert.deepEqual(printed, [], 'no log lines');
});

test('library: a wrong CA rejects the first connection at once with one line that names TLS', async () => {
  const wrong = createApp({ redis: cluster.url, tls: { ca: certs.wrongCa, cert: certs.clientCert, key: certs.clientKey }, connectTimeoutMs: 60_000, log });
  // Far below connectTimeoutMs: a certificate error ends the first connection without retries.
  await assertUntrustedCertificate(wrong.connection(), 30_000);
  await wrong.close();
});

test('CLI: hardq worker and hardq call --wait round-trip on two shards with rediss-cluster:// and --tls-*; a wrong CA is one line, exit 2', async () => {
  const queues = await queuesOnTwoMasters();
  const tlsArgs = ['--redis', cluster.url, '--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey];
  const worker = startCli('hardq', ['worker', '-A', 'tests/fixtures/app.ts', '-Q', queues.join(','), ...tlsArgs]);
  try {
    await waitFor(() => worker.output().stderr.includes('ready; ctrl-c to stop') || worker.child.exitCode !== null, { timeoutMs: 20_000, what: 'the worker banner' });
    const calls = await Promise.all(queues.map((queue, n) => runCli('hardq', ['call', 'add', '-A', 'tests/fixtures/app.ts', '--args', `[${n},5]`,
      '--queue', queue, '--wait', '--timeout-ms', '10000', ...tlsArgs])));
    calls.forEach((call, n) => {
      assert.equal(call.code, 0, call.stderr);
      assert.match(call.stdout, new RegExp(`^[\\w-]+ {2}SUCCESS {2}${n + 5}\\n$`));
    });
  } finally {
    worker.child.kill('SIGTERM');
  }
  const stopped = await worker.exited;
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.doesNotMatch(stopped.stderr, /lost Redis|Error|warn/i);

  const wrongCa = await runCli('hardq', ['queues', '--redis', cluster.url, '--tls-ca', certs.wrongCa, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey]);
  const lines = wrongCa.stderr.split('\n').filter((line) => line.length > 0);
  assert.equal(lines.length, 1, `exactly one stderr line, got:\n${wrongCa.stderr}`);
  assert.match(lines[0]!, untrustedCertificateLine);
  assert.equal(wrongCa.code, 2);
  assert.equal(wrongCa.stdout, '');
});
