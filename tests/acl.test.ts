/**
 * admin/acl.ts and `hardq acl`: real ACL users on a real redis-server, made from the lines
 * the generator prints. Each role does its job end to end and nothing printed a warning
 * (ioredis warns on console.warn when INFO is denied); a producer cannot read dead letters,
 * purge, delete a queue or send control commands; a monitor cannot write; a worker cannot
 * touch another prefix's keys.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  createApp, chain, chord, aclSetUserArgs, controlWorkers, purgeQueue, queueStats, listDeadLetters, dropDeadLetters, type AclRole, type App,
} from 'hardq';
import { waitFor } from './helpers/wait-for.ts';
import { beatUntilRun, beatWarnings } from './helpers/beat-slots.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { runCli } from './fixtures/cli.ts';

let server: RedisServer;
let root: Redis;
const queue = `acl-${randomUUID()}`;
const prefix = `p${randomUUID().slice(0, 8)}`;
const password = `pw-${randomUUID()}`;
const printed: string[] = [];
const { warn, error } = console;

before(async () => {
  server = await startRedis();
  root = new Redis(server.url);
  for (const role of ['producer', 'worker', 'monitor', 'admin', 'beat'] as const) {
    await root.call('ACL', 'SETUSER', ...aclSetUserArgs({ role, queues: [queue], prefix, password }));
  }
  // Whatever ioredis or hardq prints during the roles' runs is kept, and must stay empty.
  console.warn = (...args: unknown[]) => printed.push(args.join(' '));
  console.error = (...args: unknown[]) => printed.push(args.join(' '));
});
after(async () => {
  console.warn = warn;
  console.error = error;
  root.disconnect();
  await server.stop();
});

const urlOf = (role: AclRole) => server.url.replace('redis://', `redis://hardq-${role}:${password}@`);
const appOf = (role: AclRole): App => createApp({ redis: urlOf(role), prefix, defaultQueue: queue, log: (line) => printed.push(line) });
const noperm = /NOPERM/;

test('producer and worker (both modes): tasks round-trip, a malformed message is dead-lettered, results are read; nothing is printed', async () => {
  const producer = appOf('producer');
  const workerApp = appOf('worker');
  const add = producer.task('add', (a: number, b: number) => a + b);
  const boom = producer.task('boom', () => undefined);
  workerApp.task('add', (a: number, b: number) => a + b);
  workerApp.task('boom', () => {
    throw new Error('boom');
  }, { maxRetries: 0 });
  // A message no worker can parse: dead-lettered, for the admin test to find.
  await (await producer.connection()).lpush(`${prefix}:{${queue}}:ready`, 'not json');
  for (const mode of ['reliable', 'simple'] as const) {
    // A short block: without CLIENT UNBLOCK, a stop waits for the pop's timeout.
    const worker = workerApp.worker({ mode, concurrency: 2, blockTimeoutMs: 200 });
    const running = worker.run();
    const results = await Promise.all([1, 2].map((n) => add.delay(n, 1)));
    assert.deepEqual(await Promise.all(results.map((r) => r.get({ timeoutMs: 10_000 }))), [2, 3]);
    const later = await add.applyAsync([5, 5], { countdownMs: 50 });
    assert.equal(await later.get({ timeoutMs: 10_000 }), 10, 'a countdown (scheduled set, promote-due.lua) runs');
    const failed = await boom.delay();
    await assert.rejects(failed.get({ timeoutMs: 10_000 }), /boom/);
    await worker.close();
    await running;
  }
  await producer.close();
  await workerApp.close();
  assert.deepEqual(printed, [], 'no warning or log line');
});

test('canvas under the producer and worker users: a chain and a chord (whose start goes through relay-deliver.lua) run; nothing is printed', async () => {
  const producer = appOf('producer');
  const workerApp = appOf('worker');
  const add = producer.task('add', (a: number, b: number) => a + b);
  const tsum = producer.task('tsum', (values: number[]) => values.reduce((sum, n) => sum + n, 0));
  workerApp.task('add', (a: number, b: number) => a + b);
  workerApp.task('tsum', (values: number[]) => values.reduce((sum, n) => sum + n, 0));
  const worker = workerApp.worker({ concurrency: 4, blockTimeoutMs: 200 });
  const running = worker.run();
  try {
    const chained = await chain(add.s(2, 2), add.s(1)).delay();
    assert.equal(await chained.get({ timeoutMs: 10_000 }), 5);
    const chorded = await chord([add.s(1, 1), add.s(2, 2)], tsum.s()).delay();
    assert.equal(await chorded.get({ timeoutMs: 10_000 }), 6);
  } finally {
    await worker.close();
    await running;
    await producer.close();
    await workerApp.close();
  }
  assert.deepEqual(printed, [], 'no warning or log line');
});

test('producer: cannot read dead letters, purge, delete a queue, or send control commands', async () => {
  const producer = appOf('producer');
  await assert.rejects(listDeadLetters(producer, queue), noperm);
  // The producer may MULTI (its task-sent events ride with the LPUSH): the MULTI's DEL is refused when queued.
  await assert.rejects(purgeQueue(producer, queue), /NOPERM|EXECABORT/);
  const redis = await producer.connection();
  const keys = new (await import('../shared/keys.ts')).Keys(prefix);
  await assert.rejects(redis.del(keys.ready(queue)), noperm);
  await assert.rejects(redis.lrange(keys.dead(queue), 0, -1), noperm);
  await assert.rejects(redis.lpush(keys.controlCommands?.('w1') ?? `${prefix}:{control}:commands:w1`, '{}'), noperm);
  await assert.rejects(redis.get(keys.workerRecord('w1')), noperm);
  await producer.close();
  assert.deepEqual(printed, []);
});

test('monitor: reads queue stats and dead letters; cannot write anything', async () => {
  const monitor = appOf('monitor');
  const stats = await queueStats(monitor, queue);
  assert.equal(stats.queue, queue);
  await listDeadLetters(monitor, queue);
  const redis = await monitor.connection();
  const keys = new (await import('../shared/keys.ts')).Keys(prefix);
  await assert.rejects(redis.lpush(keys.ready(queue), 'x'), noperm);
  await assert.rejects(redis.set(keys.result(queue, 'x'), 'x'), noperm);
  // The MULTI's DEL is refused when queued, so EXEC aborts the whole transaction.
  await assert.rejects(purgeQueue(monitor, queue), /NOPERM|EXECABORT/);
  await assert.rejects(redis.call('FLUSHALL'), noperm);
  await monitor.close();
  assert.deepEqual(printed, []);
});

test('worker: cannot touch another prefix\'s keys, nor run dangerous commands', async () => {
  const workerApp = appOf('worker');
  const redis = await workerApp.connection();
  const other = new (await import('../shared/keys.ts')).Keys(`other-${prefix}`);
  await assert.rejects(redis.lpush(other.ready(queue), 'x'), noperm);
  await assert.rejects(redis.get(other.result(queue, 'x')), noperm);
  await assert.rejects(redis.call('KEYS', '*'), noperm);
  await assert.rejects(redis.call('CONFIG', 'GET', 'dir'), noperm);
  await workerApp.close();
  assert.deepEqual(printed, []);
});

test('admin: reads and drops dead letters, purges', async () => {
  const admin = appOf('admin');
  const letters = await listDeadLetters(admin, queue);
  assert.ok(letters.length >= 1, `the failed tasks were dead-lettered (${letters.length})`);
  assert.equal(await dropDeadLetters(admin, queue, { all: true }), letters.length);
  const purged = await purgeQueue(admin, queue, { scheduled: true });
  assert.deepEqual(purged, { ready: 0, scheduled: 0 });
  await admin.close();
  assert.deepEqual(printed, []);
});

test('remote control under the worker and admin users, and a beat under the beat user (a script\'s keys need read and write)', async () => {
  const workerApp = appOf('worker');
  const admin = appOf('admin');
  const beatLines: string[] = [];
  const beatApp = createApp({ redis: urlOf('beat'), prefix, defaultQueue: queue, log: (line) => beatLines.push(line) });
  const ran: string[] = [];
  workerApp.task('tick', (name: string) => void ran.push(name));
  const worker = workerApp.worker({ concurrency: 2, blockTimeoutMs: 200 });
  const running = worker.run();
  try {
    // reply.lua declares the reply-wait marker: with read-only access to it, every reply was NOPERM.
    const pinged = await waitFor(async () => {
      const result = await controlWorkers(admin, 'ping', {}, { timeoutMs: 2000 });
      return Object.keys(result.replies).length === 1 ? result : undefined;
    }, { what: 'a reply to ping from the worker' });
    assert.deepEqual(pinged.missing, []);
    // enqueue-slot.lua declares the ready list: with write-only access to it, every tick was NOPERM.
    await beatUntilRun(beatApp, 'acl-tick', queue, () => ran.length);
  } finally {
    await worker.close();
    await running;
    for (const app of [workerApp, admin, beatApp]) await app.close();
  }
  assert.deepEqual(printed, []);
  assert.deepEqual(beatWarnings(beatLines, 'acl-tick'), [], 'the beat printed no warning');
});

test('hardq acl prints the line with the password hashed, and --apply makes a user that works', async () => {
  const shown = await runCli('hardq', ['acl', '--role', 'producer', '--queues', queue, '--prefix', prefix, '--password', password]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^ACL SETUSER hardq-producer reset on #[0-9a-f]{64} ~/);
  assert.ok(!shown.stdout.includes(password), 'the password is not printed');
  const applied = await runCli('hardq', ['acl', '--role', 'monitor', '--queues', '*', '--prefix', prefix, '--user', 'ops', '--apply', '--redis', server.url],
    { env: { HARDQ_ACL_PASSWORD: password } });
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /^applied: ACL user ops \(monitor; queues \*\)/);
  const ops = new Redis(server.url.replace('redis://', `redis://ops:${password}@`), { enableReadyCheck: false });
  assert.equal(await ops.llen(`${prefix}:{${queue}}:ready`), 0);
  await assert.rejects(ops.lpush(`${prefix}:{${queue}}:ready`, 'x'), noperm);
  ops.disconnect();
});
