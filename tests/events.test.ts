/**
 * Events and counters (issue 11, item 5) with in-process workers: the final-state events and
 * the counters written by complete-batch.lua match the result records exactly, through
 * successes, failures, retries, dead letters and a revoke; the per-minute hashes expire;
 * `all` adds task-received and task-started; enable_events / disable_events switch events
 * on a running worker; the known-queues set is written at first send and by workers, and
 * --scan rebuilds it. The 10,000-task run with worker processes: tests/long/events-10k.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { controlWorkers, inspectStats, listQueues, listWorkers, minuteSeries, readEvents, rebuildQueueSet, runtimeBucketsMs, runtimeHistograms } from 'hardq';
import { minuteOf } from '../shared/counters.ts';
import { previewOfWindow, rawValueWindow } from '../shared/events.ts';
import { preview } from '../shared/worker-record.ts';
import { Keys } from '../shared/keys.ts';
import { defineScripts, requeueDeadConsumer } from '../shared/scripts.ts';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness } from './fixtures/harness.ts';
import { tallyQueues } from './helpers/event-tally.ts';
import { addEventTasks } from './fixtures/events-app.ts';

const world = privateRedis();

/** The events app's tasks on a harness's app. */
function withTasks(h: ReturnType<typeof harness>) {
  addEventTasks(h.app);
  return h;
}

test('counters and final-state events match the result records, state by state', async () => {
  const h = withTasks(harness(world.server.url));
  try {
    const worker = h.start({ events: true, concurrency: 20 });
    const sent = [
      ...(await h.app.sendMany('ok', Array.from({ length: 60 }, (_, i) => [i]))),
      ...(await h.app.sendMany('fail', Array.from({ length: 15 }, () => ['no']))),
      ...(await h.app.sendMany('flaky', Array.from({ length: 20 }, (_, i) => [i % 3]))),
      ...(await h.app.sendMany('doomed', Array.from({ length: 5 }, () => []))),
    ];
    // A task no worker knows: dead-lettered, counted as `unknown`.
    await h.raw.lpush(h.app.keys.ready(h.queue), JSON.stringify({ v: 1, id: 'stranger', task: 'not.registered', args: [] }));
    // A revoke writes its event once the queue's stream exists (a worker there writes events).
    await waitFor(async () => (await h.raw.exists(h.app.keys.events(h.queue))) === 1, { what: 'the events stream' });
    const revokedId = randomUUID();
    await h.app.revoke(revokedId, { queue: h.queue, task: 'ok' });
    const total = sent.length + 2;
    await waitFor(async () => {
      const { records } = await tallyQueues(h.app, h.raw, [h.queue]);
      return (records.SUCCESS ?? 0) + (records.FAILURE ?? 0) + (records.REVOKED ?? 0) === total;
    }, { timeoutMs: 30_000, what: 'every task final' });
    await worker.close();
    const { records, counters, events } = await tallyQueues(h.app, h.raw, [h.queue]);
    assert.deepEqual(records, { SUCCESS: 80, FAILURE: 21, REVOKED: 1 });
    // 20 flaky tasks retry 0, 1 or 2 times (7·0 + 7·1 + 6·2 = 19), each doomed one once.
    assert.deepEqual(counters, { SUCCESS: 80, FAILURE: 15, DEAD: 6, REVOKED: 1, RETRY: 24 });
    assert.equal(counters.FAILURE! + counters.DEAD!, records.FAILURE, 'a dead-lettered task\'s record is FAILURE');
    assert.deepEqual(events, {
      'task-succeeded': 80, 'task-failed': 15, 'task-dead-lettered': 6, 'task-revoked': 1, 'task-retried': 24,
    });
    const byTask = Object.fromEntries((await runtimeHistograms(h.app, { queues: [h.queue] })).map((histogram) => [histogram.task, histogram]));
    assert.equal(byTask.ok!.count, 60, 'every run of ok is in its histogram');
    assert.equal(byTask.ok!.buckets.at(-1)!.count, 60, 'the +Inf bucket counts them all');
    assert.equal(byTask.unknown, undefined, 'a task that never ran has no run time');
    const taskEvents = (await readEvents(h.app, { queues: [h.queue], workers: false, count: 1000 })).flatMap((e) => (e.kind === 'task' ? [e] : []));
    const stranger = taskEvents.find((e) => e.type === 'task-dead-lettered' && e.event.id === 'stranger');
    assert.equal(stranger?.event.reason, 'unknown-task');
    const failed = taskEvents.find((e) => e.type === 'task-failed');
    assert.deepEqual([failed?.event.task, failed?.event.args, failed?.event.worker], ['fail', '["no"]', worker.consumerId]);
    assert.equal(taskEvents.find((e) => e.type === 'task-revoked')?.event.id, revokedId);
  } finally {
    await h.close();
  }
});

test('the per-minute hashes expire within 3 days; the series sums them across queues', async () => {
  const h = withTasks(harness(world.server.url));
  try {
    const other = randomUUID();
    h.start({ queues: [h.queue, other] });
    await h.app.sendMany('ok', [[1], [2]]);
    await h.app.sendMany('ok', [[3]], { queue: other });
    const now = Date.now();
    // A fixed range: with the default end (the time of each call), a wait that crossed a
    // minute boundary listed four minutes, not three.
    const points = await waitFor(async () => {
      const series = await minuteSeries(h.app, { queues: [h.queue, other], fromMs: now - 120_000, toMs: now + 60_000 });
      return series.reduce((sum, point) => sum + (point.counts.SUCCESS ?? 0), 0) === 3 ? series : undefined;
    }, { what: 'three successes in the series' });
    assert.equal(points.length, 4, 'every minute of the range is listed');
    const keys = await h.raw.keys(h.app.keys.countersMinute(h.queue, '*'));
    assert.ok(keys.length >= 1);
    for (const key of keys) {
      const ttl = await h.raw.pttl(key);
      assert.ok(ttl > 0 && ttl <= 3 * 24 * 3600 * 1000, `${key} expires (${ttl} ms)`);
      assert.ok(Math.abs(Number(key.split(':').at(-1)) - minuteOf(now)) <= 1);
    }
    assert.equal(await h.raw.pttl(h.app.keys.counters(h.queue)), -1, 'lifetime totals never expire');
  } finally {
    await h.close();
  }
});

test('level all adds task-sent (sentEvents, in the MULTI with the LPUSH), task-received and task-started', async () => {
  const h = withTasks(harness(world.server.url, { sentEvents: true }));
  try {
    const [early] = await h.app.sendMany('ok', [[6]]);
    const sent = await readEvents(h.app, { queues: [h.queue], workers: false });
    assert.deepEqual(sent.map((e) => [e.type, e.kind === 'task' && e.event.id, e.kind === 'task' && e.event.args]), [['task-sent', early!.id, '[6]']]);
    h.start({ events: 'all' });
    const result = await h.app.sendTask('ok', [7]);
    await result.get({ timeoutMs: 10_000 });
    const types = await waitFor(async () => {
      const found = (await readEvents(h.app, { queues: [h.queue], workers: false })).flatMap((e) => (e.kind === 'task' && e.event.id === result.id ? [e.type] : []));
      return found.length === 4 ? found : undefined;
    }, { what: 'four events' });
    assert.deepEqual(types, ['task-sent', 'task-received', 'task-started', 'task-succeeded']);
  } finally {
    await h.close();
  }
});

test('enable_events and disable_events switch a running worker; the record shows its level', async () => {
  const h = withTasks(harness(world.server.url));
  try {
    const worker = h.start();
    const run = async (n: number) => (await h.app.sendTask('ok', [n])).get({ timeoutMs: 10_000 });
    const taskEvents = async () => (await readEvents(h.app, { queues: [h.queue], workers: false })).length;
    await run(1);
    assert.equal(await taskEvents(), 0, 'off by default');
    await waitFor(async () => (await listWorkers(h.app)).length === 1, { what: 'the registry record' });
    const on = await controlWorkers(h.app, 'enable_events', {}, { timeoutMs: 5000 });
    assert.deepEqual(on.replies[worker.consumerId], { worker: worker.consumerId, ok: true, data: { events: 'final' } });
    await run(2);
    await waitFor(async () => (await taskEvents()) === 1, { what: 'one event' });
    await waitFor(async () => (await listWorkers(h.app))[0]?.events === 'final', { what: 'the record says final' });
    assert.equal((await inspectStats(h.app))[worker.consumerId]?.events, 'final', 'inspect stats shows the level');
    const workerTypes = (await readEvents(h.app, { queues: [], workers: true })).map((e) => e.type);
    assert.ok(workerTypes.includes('worker-heartbeat'), `worker events follow the level (${workerTypes.join(', ')})`);
    await controlWorkers(h.app, 'disable_events', {}, { timeoutMs: 5000 });
    await run(3);
    assert.equal(await taskEvents(), 1, 'no event once disabled');
    const counted = (await h.raw.hgetall(h.app.keys.counters(h.queue)))['SUCCESS:ok'];
    assert.equal(counted, '3', 'counters run at every level');
  } finally {
    await h.close();
  }
});

test('the known-queues set: written at first send and by workers; --scan rebuilds it', async () => {
  const h = withTasks(harness(world.server.url));
  try {
    const sentTo = randomUUID();
    await h.app.sendMany('ok', [[1]], { queue: sentTo });
    await waitFor(async () => (await listQueues(h.app)).includes(sentTo), { what: 'the queue sent to' });
    h.start();
    await waitFor(async () => (await listQueues(h.app)).includes(h.queue), { what: 'the worker\'s queue' });
    await h.raw.del(h.app.keys.queues());
    const rebuilt = await rebuildQueueSet(h.app);
    assert.ok(rebuilt.added.includes(sentTo), 'the scan finds a queue by its keys');
    assert.ok((await listQueues(h.app)).includes(sentTo));
  } finally {
    await h.close();
  }
});

test('the run-time buckets of complete-batch/counters.lua are those of shared/counters.ts', () => {
  const lua = readFileSync(new URL('../shared/lua/complete-batch/counters.lua', import.meta.url), 'utf8');
  const listed = /local bounds = \{ ([\d, ]+) \}/.exec(lua)?.[1]?.split(',').map((text) => Number(text.trim()));
  assert.deepEqual(listed, [...runtimeBucketsMs]);
});

test('an event\'s argument previews, from windows of the raw message, equal previews of the decoded arguments', () => {
  const messages = [
    { v: 1, id: 'a', task: 't', args: [1, 'x"y]', { a: [1, 2] }], kwargs: { k: 'v,]', n: null } },
    { v: 1, id: 'a', task: 't', args: [] },
    { v: 1, id: 'a', task: 't', args: ['x'.repeat(300)], kwargs: { long: 'y'.repeat(300) } },
    { v: 1, id: 'a', task: 't', args: [{ i: 1, pad: '\\"]}'.repeat(30) }], createdAt: 5 },
    // Runs of backslashes before a quote, strings that end right at and right past the cut, non-ASCII.
    { v: 1, id: 'a', task: 't', args: ['a\\', 'b\\"c', '\\\\'], kwargs: {} },
    { v: 1, id: 'a', task: 't', args: ['y'.repeat(96)], kwargs: { s: 'z'.repeat(95) } },
    { v: 1, id: 'a', task: 't', args: ['y'.repeat(97)], kwargs: { s: 'z'.repeat(96) } },
    { v: 1, id: 'a', task: 't', args: ['é…✓', 1.5e-7, true, null], kwargs: { 'k"': ['é'] } },
    // Values that end the message, and a window that ends the message: not cut.
    { v: 1, id: 'a', task: 't', kwargs: { s: 'z'.repeat(90) }, args: ['y'.repeat(96)] },
    { v: 1, id: 'a', task: 't', args: ['\u001e\u001f'] },
  ];
  for (const message of messages) {
    const raw = JSON.stringify(message);
    assert.deepEqual(
      { args: previewOfWindow(rawValueWindow(raw, 'args')), kwargs: previewOfWindow(rawValueWindow(raw, 'kwargs')) },
      { args: preview(message.args), kwargs: preview((message as { kwargs?: unknown }).kwargs) },
      raw.slice(0, 80),
    );
    for (const key of ['args', 'kwargs'] as const) {
      // A window never holds a previews record's separators (U+001E, U+001F): JSON escapes them.
      assert.doesNotMatch(rawValueWindow(raw, key), /[\x1e\x1f]/);
      // A window of the value's own JSON (the worker's fallback) gives the same preview.
      const value = (message as { args: unknown; kwargs?: unknown })[key];
      if (value !== undefined) assert.equal(previewOfWindow(JSON.stringify(value).slice(0, 100)), previewOfWindow(rawValueWindow(raw, key)));
    }
  }
  assert.equal(previewOfWindow(''), undefined);
});

test('the reaper\'s poison pill is counted as DEAD, and its event written where the queue has a stream', async () => {
  const k = new Keys();
  const queue = randomUUID();
  const redis = world.redis;
  defineScripts(redis);
  const lists = {
    heartbeat: k.heartbeat(queue, 'gone'), processing: k.processing(queue, 'gone'), quarantine: k.quarantine(queue, 'gone'), claimed: k.claimed(queue, 'gone'),
    ready: k.ready(queue), dead: k.dead(queue), consumers: k.consumers(queue),
    events: k.events(queue), counters: k.counters(queue), countersMinute: k.countersMinute(queue, minuteOf(Date.now())),
  };
  const pill = (id: string) => `{"deliveries":5,"v":1,"id":"${id}","task":"ok","args":[1]}`;
  const reap = (id: string) => requeueDeadConsumer(redis, { ...lists, result: k.result(queue, id) }, {
    consumerId: 'gone', maxDeliveries: 5, queue, deadLimit: 10, runsAloneFrom: 3, chunk: 100, quarantined: pill(id), quarantinedId: id,
    failure: '{"state":"FAILURE","reason":"redelivered"}', resultTtlMs: 60_000, channel: k.resultChannel(queue), deadTtlMs: 60_000,
    task: 'ok', event: JSON.stringify({ id, task: 'ok', at: 1, reason: 'redelivered' }),
  });
  await redis.lpush(lists.quarantine, pill('p1'));
  assert.deepEqual(await reap('p1'), { requeued: 0, left: 0, deadLettered: [pill('p1')] });
  assert.equal(await redis.hget(lists.counters, 'DEAD:ok'), '1');
  assert.equal(await redis.exists(lists.events), 0, 'no stream, no event: events are off on this queue');
  await redis.xadd(lists.events, '*', 'type', 'task-succeeded', 'event', '{}');
  await redis.lpush(lists.quarantine, pill('p2'));
  await reap('p2');
  assert.equal(await redis.hget(lists.counters, 'DEAD:ok'), '2');
  assert.ok((await redis.pttl(lists.countersMinute)) > 0);
  const [, fields] = (await redis.xrevrange(lists.events, '+', '-', 'COUNT', 1))[0]!;
  assert.deepEqual(fields.slice(0, 2), ['type', 'task-dead-lettered']);
  // A task that did finish (it only looked dead) keeps its SUCCESS and is not counted again.
  await redis.set(k.result(queue, 'p3'), '{"state":"SUCCESS","value":1,"doneAt":1}');
  await redis.lpush(lists.quarantine, pill('p3'));
  await reap('p3');
  assert.equal(await redis.hget(lists.counters, 'DEAD:ok'), '2');
});
