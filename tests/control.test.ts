/**
 * Remote control (admin/control.ts, consumer/control/) with in-process workers: every
 * command's effect seen in Redis or in the worker, a malformed command answered with an
 * error while the worker runs on, and no reply key left behind by a reply that comes after
 * the caller's timeout. reply.lua is also tested alone. Real processes: control-processes.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { controlRevoke, controlWorkers, listWorkers, type TaskContext } from 'hardq';
import { defineScripts, writeReply } from '../shared/scripts.ts';
import { ControlMailbox } from '../consumer/control/mailbox.ts';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { gate, harness } from './fixtures/harness.ts';

const world = privateRedis({ scripts: true });

/** Every control key left in Redis: reply lists and reply-wait markers. */
const replyKeys = async () => (await world.redis.keys('*{control}:reply*')).sort();

test('reply.lua writes only while the marker exists, and never for longer than it lives', async () => {
  const id = randomUUID();
  const keys = { wait: `test:{control}:reply-wait:${id}`, reply: `test:{control}:reply:${id}` };
  assert.equal(await writeReply(world.redis, keys, '{"late":true}'), false);
  assert.equal(await world.redis.exists(keys.reply), 0, 'no marker: no reply list');
  await world.redis.set(keys.wait, '1', 'PX', 5000);
  assert.equal(await writeReply(world.redis, keys, '{"a":1}'), true);
  const ttl = await world.redis.pttl(keys.reply);
  assert.ok(ttl > 0 && ttl <= 5000, `the reply list has the marker's TTL (${ttl} ms)`);
  await world.redis.del(keys.wait, keys.reply);
  assert.equal(await writeReply(world.redis, keys, '{"b":2}'), false);
  assert.equal(await world.redis.exists(keys.reply), 0);
});

test('ping reaches every online worker, or one with workerId; replies are collected and the keys deleted', async () => {
  const h = harness(world.server.url);
  try {
    const [a, b] = [h.start({ consumerId: `a-${randomUUID()}` }), h.start({ consumerId: `b-${randomUUID()}`, mode: 'simple' })];
    await waitFor(async () => (await listWorkers(h.app)).length === 2, { what: 'two registry records' });
    const all = await controlWorkers(h.app, 'ping', {}, { timeoutMs: 3000 });
    assert.deepEqual(Object.keys(all.replies).sort(), [a.consumerId, b.consumerId].sort());
    assert.deepEqual(all.missing, []);
    for (const reply of Object.values(all.replies)) assert.deepEqual(reply, { worker: reply.worker, ok: true, data: { ok: 'pong' } });
    const one = await controlWorkers(h.app, 'ping', {}, { workerId: b.consumerId, timeoutMs: 3000 });
    assert.deepEqual(Object.keys(one.replies), [b.consumerId]);
    assert.deepEqual(await replyKeys(), []);
    await assert.rejects(controlWorkers(h.app, 'ping', {}, { workerId: 'nobody' }), /no worker nobody/);
    await assert.rejects(controlWorkers(h.app, 'pool_grow', { n: 0 }), /pool_grow needs n/);
  } finally {
    await h.close();
  }
});

test('a reply written after the caller\'s timeout leaves no key behind', async () => {
  const h = harness(world.server.url);
  try {
    // A worker that was away (its record still fresh) takes the command after the caller gave
    // up; with a clock that says the deadline has not passed, it answers, and the marker is gone.
    const ghost = `ghost-${randomUUID()}`;
    await h.raw.set(h.app.keys.workerRecord(ghost), JSON.stringify({ id: ghost, writtenAt: Date.now() + 60_000, intervalMs: 1000, queues: [] }), 'PX', 5000);
    await h.raw.zadd(h.app.keys.workers(), Date.now(), ghost);
    const unanswered = await controlWorkers(h.app, 'ping', {}, { workerId: ghost, timeoutMs: 100 });
    assert.deepEqual(unanswered.missing, [ghost]);
    const redis = h.raw.duplicate();
    defineScripts(redis);
    const mailbox = new ControlMailbox({ redis, keys: h.app.keys, workerId: ghost, nowMs: () => 0, handle: async () => ({ data: { ok: 'pong' } }), log: (line) => h.logs.push(line) });
    await mailbox.poll();
    redis.disconnect();
    assert.equal(await h.raw.llen(h.app.keys.controlCommands(ghost)), 0, 'the late worker took the command and answered it');
    assert.deepEqual(await replyKeys(), [], 'its reply found no marker and wrote nothing');
  } finally {
    await h.close();
  }
});

test('a malformed command gets an error reply (or is dropped without an id), and the worker runs on', async () => {
  const h = harness(world.server.url);
  try {
    const worker = h.start({ consumerId: `m-${randomUUID()}` });
    await waitFor(async () => (await listWorkers(h.app)).length === 1, { what: 'the registry record' });
    const list = h.app.keys.controlCommands(worker.consumerId);
    const asked: string[] = [];
    const ask = async (command: object | string) => {
      const id = randomUUID();
      asked.push(id);
      await h.raw.set(h.app.keys.controlReplyWait(id), '1', 'PX', 10_000);
      const body = typeof command === 'string' ? command : JSON.stringify({ v: 1, id, deadline: Date.now() + 10_000, ...command });
      await h.raw.lpush(list, body);
      return id;
    };
    const answer = async (id: string) => JSON.parse((await waitFor(() => h.raw.lindex(h.app.keys.controlReply(id), 0), { what: `a reply to ${id}` }))) as { ok: boolean; error?: string };
    await h.raw.lpush(list, 'not json at all');
    const unknown = await ask({ command: 'reboot', args: {} });
    const badArgs = await ask({ command: 'pool_grow', args: { n: -3 } });
    const extra = await ask({ command: 'ping', args: { loud: true } });
    // Well-shaped, refused by the handler: a queue name with a space.
    const refused = await ask({ command: 'add_consumer', args: { queue: 'q 2' } });
    assert.match((await answer(unknown)).error!, /unknown command "reboot"/);
    assert.match((await answer(badArgs)).error!, /pool_grow needs n/);
    assert.match((await answer(extra)).error!, /ping takes no argument "loud"/);
    assert.match((await answer(refused)).error!, /queue must be a non-empty name without braces or spaces/);
    assert.ok(h.logs.some((line) => line.includes('dropped a command with no readable id')));
    const ping = await controlWorkers(h.app, 'ping', {}, { timeoutMs: 3000 });
    assert.equal(ping.replies[worker.consumerId]?.ok, true, 'the worker still answers');
    await h.raw.del(...asked.flatMap((id) => [h.app.keys.controlReplyWait(id), h.app.keys.controlReply(id)]));
  } finally {
    await h.close();
  }
});

test('pool_grow and pool_shrink change how many handlers run at once, and the registry shows it', async () => {
  const h = harness(world.server.url);
  const hold = gate();
  let running = 0;
  const held = h.app.task('held', async () => {
    running++;
    await hold.opened;
  });
  try {
    const worker = h.start({ consumerId: `p-${randomUUID()}`, concurrency: 1 });
    await waitFor(async () => (await listWorkers(h.app)).length === 1, { what: 'the registry record' });
    for (let i = 0; i < 4; i++) await held.delay();
    await waitFor(() => running === 1, { what: 'one handler running' });
    const grown = await controlWorkers(h.app, 'pool_grow', { n: 2 }, { timeoutMs: 3000 });
    assert.deepEqual(grown.replies[worker.consumerId], { worker: worker.consumerId, ok: true, data: { concurrency: 3 } });
    await waitFor(() => running === 3, { what: 'three handlers running after pool_grow 2' });
    await waitFor(async () => (await listWorkers(h.app))[0]?.concurrency === 3, { what: 'the record to show concurrency 3' });
    const shrunk = await controlWorkers(h.app, 'pool_shrink', { n: 5 }, { timeoutMs: 3000 });
    assert.deepEqual(shrunk.replies[worker.consumerId]?.ok && shrunk.replies[worker.consumerId], { worker: worker.consumerId, ok: true, data: { concurrency: 1 } });
    await waitFor(async () => (await listWorkers(h.app))[0]?.concurrency === 1, { what: 'the record to show concurrency 1' });
    hold.open();
    await waitFor(() => worker.counts.SUCCESS === 4, { what: 'all four to finish' });
  } finally {
    hold.open();
    await h.close();
  }
});

test('rate_limit is stored in Redis for every worker until reset with none; 0 lifts the task\'s own limit', async () => {
  const h = harness(world.server.url);
  const [name, own] = [`limited-${randomUUID()}`, `own-${randomUUID()}`];
  const task = h.app.task(name, () => 'ok');
  const ownLimited = h.app.task(own, () => 'ok', { rateLimit: '1/h' });
  try {
    const worker = h.start({ consumerId: `r-${randomUUID()}` });
    await waitFor(async () => (await listWorkers(h.app)).length === 1, { what: 'the registry record' });
    const lifted = await controlWorkers(h.app, 'rate_limit', { task: own, rate: '0' }, { timeoutMs: 3000 });
    assert.deepEqual(lifted.replies[worker.consumerId], { worker: worker.consumerId, ok: true, data: { task: own, rate: null, override: true } });
    for (let i = 0; i < 3; i++) await ownLimited.delay();
    await waitFor(() => worker.counts.SUCCESS === 3, { what: 'three runs of a 1/h task whose limit was lifted' });

    const set = await controlWorkers(h.app, 'rate_limit', { task: name, rate: '1/m' }, { timeoutMs: 3000 });
    assert.deepEqual(set.replies[worker.consumerId]?.ok, true);
    assert.equal(await h.raw.hget(h.app.keys.rateLimitOverrides(), name), '1/m');
    for (let i = 0; i < 3; i++) await task.delay();
    // The first runs, the second waits for its slot a minute away, the third goes back to the scheduled set.
    await waitFor(() => worker.counts.SUCCESS === 4 && worker.counts.RETRY === 1, { what: 'one run and one sent back by the 1/m limit' });
    assert.equal(await h.raw.zcard(h.app.keys.scheduled(h.queue)), 1);
    const unknown = await controlWorkers(h.app, 'rate_limit', { task: 'no-such-task', rate: '1/s' }, { timeoutMs: 3000 });
    assert.match((unknown.replies[worker.consumerId] as { error: string }).error, /no task named "no-such-task"/);
    for (const task of [name, own]) await controlWorkers(h.app, 'rate_limit', { task, rate: 'none' }, { timeoutMs: 3000 });
    assert.equal(await h.raw.exists(h.app.keys.rateLimitOverrides()), 0, 'reset removes the overrides');
  } finally {
    await h.raw.del(h.app.keys.rateLimitOverrides());
    await h.close();
  }
});

test('time_limit overrides a task\'s limits in this worker; null goes back to its own', async () => {
  const h = harness(world.server.url);
  const name = `patient-${randomUUID()}`;
  const task = h.app.task(name, (ctx: TaskContext) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))), { bind: true });
  try {
    const worker = h.start({ consumerId: `t-${randomUUID()}` });
    await waitFor(async () => (await listWorkers(h.app)).length === 1, { what: 'the registry record' });
    const set = await controlWorkers(h.app, 'time_limit', { task: name, softMs: 100, hardMs: null }, { timeoutMs: 3000 });
    assert.deepEqual(set.replies[worker.consumerId], { worker: worker.consumerId, ok: true, data: { task: name, softMs: 100, hardMs: null } });
    const result = await task.delay();
    await assert.rejects(result.get({ timeoutMs: 5000 }), /SoftTimeLimitExceeded|soft time limit/i);
  } finally {
    await h.close();
  }
});

test('revoke --terminate ends a running async task as REVOKED and aborts its signal; the worker runs on', async () => {
  const h = harness(world.server.url);
  let reason: unknown;
  const name = `forever-${randomUUID()}`;
  const task = h.app.task(name, (ctx: TaskContext) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve((reason = ctx.signal.reason)))), { bind: true });
  try {
    const worker = h.start({ consumerId: `v-${randomUUID()}` });
    await waitFor(async () => (await listWorkers(h.app)).length === 1, { what: 'the registry record' });
    const result = await task.delay();
    await waitFor(() => worker.inFlight === 1, { what: 'the task to start' });
    const { revoked, terminate } = await controlRevoke(h.app, result.id, { terminate: true, timeoutMs: 3000 });
    assert.equal(revoked, true);
    assert.deepEqual(terminate?.replies[worker.consumerId], { worker: worker.consumerId, ok: true, data: { id: result.id, terminated: true } });
    await waitFor(() => worker.counts.REVOKED === 1, { what: 'the task to end as REVOKED' });
    assert.equal((reason as Error).name, 'TaskTerminated');
    assert.equal(JSON.parse((await h.raw.get(h.app.keys.result(h.queue, result.id)))!).state, 'REVOKED');
    const events = await controlWorkers(h.app, 'enable_events', {}, { timeoutMs: 3000 });
    assert.deepEqual(events.replies[worker.consumerId], { worker: worker.consumerId, ok: true, data: { events: 'final' } }, 'events are switched on');
  } finally {
    await h.close();
  }
});

test('shutdown stops the worker gracefully, as SIGTERM does, after its reply', async () => {
  const h = harness(world.server.url);
  try {
    const worker = h.start({ consumerId: `s-${randomUUID()}` });
    const running = worker.run();
    await waitFor(async () => (await listWorkers(h.app)).length === 1, { what: 'the registry record' });
    const reply = await controlWorkers(h.app, 'shutdown', {}, { timeoutMs: 3000 });
    assert.deepEqual(reply.replies[worker.consumerId], { worker: worker.consumerId, ok: true, data: { ok: 'shutting down' } });
    await running;
    assert.deepEqual(await listWorkers(h.app), [], 'the stopped worker left the registry');
  } finally {
    await h.close();
  }
});
