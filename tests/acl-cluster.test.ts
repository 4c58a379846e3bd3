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
import {
  createApp, applyAclUser, aclSetUserArgs, controlWorkers, listDeadLetters, listWorkers, purgeQueue, queueStats, requeueDeadLetters,
  RedisPermissionError, type AclRole, type App,
} from 'hardq';
import { hashSlot } from '../shared/hash-slot.ts';
import { startCluster, type TestCluster } from './helpers/redis-cluster.ts';
import { runCli } from './fixtures/cli.ts';
import { waitFor } from './helpers/wait-for.ts';
import { beatUntilRun, beatWarnings } from './helpers/beat-slots.ts';

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

test('monitor, admin and beat users on the cluster: each does its job on two shards, the monitor writes nothing; nothing is printed', async () => {
  // The default prefix, so that the CLI (no app module) reads the same keys.
  const queues = await queuesOnTwoNodes();
  const roleUrl = (role: AclRole) => cluster.url.replace('redis-cluster://', `redis-cluster://roles-${role}:${password}@`);
  const defaults = createApp({ redis: cluster.url, log: () => {} });
  for (const role of ['producer', 'worker', 'monitor', 'admin', 'beat'] as const) await applyAclUser(defaults, { role, queues, user: `roles-${role}`, password });
  await defaults.close();
  // The beat's own lines (a schedule added, leading since…) are its normal output, kept apart.
  const beatLines: string[] = [];
  const appAs = (role: AclRole) => createApp({ redis: roleUrl(role), defaultQueue: queues[0], log: (line) => (role === 'beat' ? beatLines : printed).push(line) });
  const [producer, workerApp, monitor, admin, beatApp] = (['producer', 'worker', 'monitor', 'admin', 'beat'] as const).map(appAs) as [App, App, App, App, App];
  const ticks: string[] = [];
  workerApp.task('tick', (name: string) => void ticks.push(name));
  const unknown = producer.task('nobody-runs-this', () => 0);
  const worker = workerApp.worker({ mode: 'reliable', queues, concurrency: 2, blockTimeoutMs: 200 });
  const running = worker.run();
  try {
    // Dead letters on both shards: a task no worker registers.
    for (const queue of queues) await unknown.applyAsync([], { queue });
    await waitFor(async () => (await Promise.all(queues.map((queue) => listDeadLetters(admin, queue)))).every((letters) => letters.length === 1), { what: 'a dead letter per queue' });

    // monitor: queue stats, dead letters, the worker registry, as the library and the CLI; no write.
    for (const queue of queues) {
      assert.equal((await queueStats(monitor, queue)).dead, 1);
      assert.equal((await listDeadLetters(monitor, queue)).length, 1);
    }
    await waitFor(async () => (await listWorkers(monitor)).some((view) => view.online), { what: 'the worker in the registry, read as the monitor' });
    const redis = await monitor.connection();
    await assert.rejects(redis.lpush(monitor.keys.ready(queues[1]), 'x'), /NOPERM/);
    await assert.rejects(purgeQueue(monitor, queues[1]), /NOPERM|EXECABORT/);
    for (const args of [['queues', '-Q', queues.join(',')], ['inspect', 'stats']]) {
      const cli = await runCli('hardq', [...args, '--redis', roleUrl('monitor')]);
      assert.equal(cli.code, 0, cli.stderr);
      assert.equal(cli.stderr, '', `hardq ${args[0]} as the monitor prints no warning`);
    }

    // admin: remote control, dead-letter requeue, purge, on both shards.
    const pinged = await controlWorkers(admin, 'ping', {}, { timeoutMs: 5000 });
    assert.deepEqual(pinged.missing, []);
    assert.equal(Object.keys(pinged.replies).length, 1);
    for (const queue of queues) {
      assert.equal((await requeueDeadLetters(admin, queue, { all: true })).requeued, 1);
      await waitFor(async () => (await listDeadLetters(admin, queue)).length === 1, { what: 'the requeued task dead-lettered again' });
      await unknown.applyAsync([], { queue, countdownMs: 3_600_000 });
      assert.deepEqual(await purgeQueue(admin, queue, { scheduled: true }), { ready: 0, scheduled: 1 });
    }

    // beat: a schedule's slots reach the queue on the other shard, and the worker runs them.
    await beatUntilRun(beatApp, 'roles-tick', queues[1], () => ticks.length, 3);
  } finally {
    await worker.close();
    await running;
    for (const app of [producer, workerApp, monitor, admin, beatApp]) await app.close();
  }
  assert.deepEqual(printed, [], 'no warning or log line');
  assert.deepEqual(beatWarnings(beatLines, 'roles-tick'), [], 'the beat printed no warning');
});
