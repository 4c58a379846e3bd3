/**
 * Least-privilege ACL users on a real 3-master Redis Cluster (issue 14, item 2): ACL users
 * are per node, so applyAclUser must make each role's user on every node, and the roles
 * must allow what ioredis's Cluster client needs (the slot map, ASKING during a reshard).
 * Producer and worker users then round-trip tasks on two queues owned by different
 * masters, in both modes, and nothing is printed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis, type Cluster } from 'ioredis';
import { createApp, applyAclUser, aclSetUserArgs, RedisPermissionError, type AclRole, type App } from 'hardq';
import { hashSlot } from '../shared/hash-slot.ts';
import { startCluster, type TestCluster } from './helpers/redis-cluster.ts';
import { runCli } from './fixtures/cli.ts';

let cluster: TestCluster;
let admin: App;
const prefix = `p${randomUUID().slice(0, 8)}`;
const password = `pw-${randomUUID()}`;
const printed: string[] = [];
const { warn, error } = console;

before(async () => {
  cluster = await startCluster();
  admin = createApp({ redis: cluster.url, prefix, log: () => {} });
  console.warn = (...args: unknown[]) => printed.push(args.join(' '));
  console.error = (...args: unknown[]) => printed.push(args.join(' '));
});
after(async () => {
  console.warn = warn;
  console.error = error;
  await admin.close();
  await cluster.stop();
});

/** Two fresh queue names whose keys live on different masters. */
async function queuesOnTwoNodes(): Promise<[string, string]> {
  const slots = ((await admin.connection()) as unknown as Cluster).slots;
  const first = randomUUID();
  const nodeOf = (queue: string) => slots[hashSlot(admin.keys.ready(queue))]![0];
  for (;;) {
    const second = randomUUID();
    if (nodeOf(second) !== nodeOf(first)) return [first, second];
  }
}

const urlOf = (role: AclRole) => cluster.url.replace('redis-cluster://', `redis-cluster://hardq-${role}:${password}@`);

test('applyAclUser makes the user on every node; producer and worker users round-trip on two shards in both modes; nothing is printed', async () => {
  const queues = await queuesOnTwoNodes();
  for (const role of ['producer', 'worker'] as const) await applyAclUser(admin, { role, queues, prefix, password });
  for (const port of await cluster.masterPorts()) {
    const users = new Redis(port);
    try {
      assert.ok(((await users.call('ACL', 'USERS')) as string[]).includes('hardq-worker'), `node ${port} has the worker user`);
    } finally {
      users.disconnect();
    }
  }
  const producer = createApp({ redis: urlOf('producer'), prefix, log: (line) => printed.push(line) });
  const workerApp = createApp({ redis: urlOf('worker'), prefix, log: (line) => printed.push(line) });
  const add = producer.task('add', (a: number, b: number) => a + b);
  workerApp.task('add', (a: number, b: number) => a + b);
  try {
    for (const mode of ['reliable', 'simple'] as const) {
      const worker = workerApp.worker({ mode, queues, concurrency: 2, blockTimeoutMs: 200 });
      const running = worker.run();
      const results = await Promise.all(queues.map((queue, n) => add.applyAsync([n, 10], { queue })));
      assert.deepEqual(await Promise.all(results.map((r) => r.get({ timeoutMs: 10_000 }))), [10, 11]);
      await worker.close();
      await running;
    }
  } finally {
    await producer.close();
    await workerApp.close();
  }
  assert.deepEqual(printed, [], 'no warning or log line');
});

test('a user without cluster|slots or cluster|info: one line that names the command and the grant, at once, not "cannot reach Redis"', async () => {
  const queues = await queuesOnTwoNodes();
  // A producer user with one of the Cluster client's commands taken away, on every node.
  for (const missing of ['cluster|slots', 'cluster|info']) {
    const user = `no-${missing.replace('|', '-')}`;
    const args = [...aclSetUserArgs({ role: 'producer', queues, prefix, password, user }), `-${missing}`];
    for (const port of await cluster.masterPorts()) {
      const node = new Redis(port);
      await node.call('ACL', 'SETUSER', ...args).finally(() => node.disconnect());
    }
    const url = cluster.url.replace('redis-cluster://', `redis-cluster://${user}:${password}@`);
    const app = createApp({ redis: url, prefix, connectTimeoutMs: 60_000, log: (line) => printed.push(line) });
    const startedAt = Date.now();
    await assert.rejects(app.connection(), (error: Error) => {
      assert.ok(RedisPermissionError.is(error), `a RedisPermissionError, got ${error.name}: ${error.message}`);
      assert.equal(error.code, 'REDIS_NO_PERMISSION');
      assert.equal(error.command, missing);
      assert.match(error.message, new RegExp(`^Redis at 127\\.0\\.0\\.1:\\d+ refused user "${user}" \\(NOPERM: it may not run ${missing.toUpperCase().replace('|', ' ')}\\); grant it on every node with ACL SETUSER ${user} \\+${missing.replace('|', '\\|')}, or make the user with: hardq acl --role`));
      return true;
    });
    assert.ok(Date.now() - startedAt < 30_000, 'a refused permission is not retried for connectTimeoutMs (60 s)');
    await app.close();
    const cli = await runCli('hardq', ['queues', '--redis', url]);
    assert.equal(cli.code, 2, cli.stderr);
    assert.equal(cli.stderr.split('\n').filter(Boolean).length, 1, cli.stderr);
    assert.match(cli.stderr, new RegExp(`refused user "${user}" \\(NOPERM: it may not run`));
  }
  assert.deepEqual(printed, [], 'no warning or log line');
});
