/**
 * The monitor's server without a browser (monitor/server.ts and its parts): who may call it
 * (loopback, token, cookie, CSRF, read-only), the JSON API against a real worker, and
 * /metrics read by a strict Prometheus text parser with counts equal to a run's known totals.
 * The pages are tested in a real browser in monitor-browser.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { aclSetUserArgs, chain, chord, createApp, startMonitor, type AsyncResult, type GroupResult, type Monitor, type MonitorOptions } from 'hardq';
import { Ring } from '../monitor/history.ts';
import { costBetween, costPerJob, parseInfo, totalsOf } from '../monitor/redis-cost.ts';
import { formatFamilies } from '../monitor/prometheus-text.ts';
import { mergeHistograms, quantileMs, subtractHistogram } from '../monitor/runtime-quantiles.ts';
import { privateRedis } from './helpers/private-redis.ts';
import { parsePrometheusText, valueOf } from './helpers/prometheus-text.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness, type Harness } from './fixtures/harness.ts';

const world = privateRedis();

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; text: string; json(): any };

/** A raw HTTP call (fetch cannot set Host), with any headers. */
function call(base: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers: options.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function withMonitor(h: Harness, options: MonitorOptions, body: (monitor: Monitor) => Promise<void>): Promise<void> {
  const monitor = await startMonitor(h.app, { port: 0, intervalMs: 200, ...options });
  try {
    await body(monitor);
  } finally {
    await monitor.close();
  }
}

test('the ring keeps the newest samples only, oldest first', () => {
  const ring = new Ring<number>(3);
  for (let i = 1; i <= 5; i++) ring.push(i);
  assert.deepEqual(ring.toArray(), [3, 4, 5]);
  assert.equal(ring.size, 3);
});

test('Redis cost comes from INFO deltas; no job in the window gives no ratio', () => {
  const before = totalsOf(parseInfo('# Stats\r\ntotal_commands_processed:100\r\ntotal_net_input_bytes:1000\r\ntotal_net_output_bytes:500\r\n# CPU\r\nused_cpu_sys:1.5\r\nused_cpu_user:0.5\r\n'));
  const after = totalsOf(parseInfo('total_commands_processed:160\ntotal_net_input_bytes:1600\ntotal_net_output_bytes:1100\nused_cpu_sys:1.503\nused_cpu_user:0.501\nused_memory:42\n'));
  const cost = costBetween(before, after);
  assert.deepEqual(cost, { calls: 60, cpuUs: 4000, netBytes: 1200 });
  assert.deepEqual(costPerJob(cost, 20), { calls: 3, cpuUs: 200, netBytes: 60 });
  assert.equal(costPerJob(cost, 0), undefined);
  assert.deepEqual(costBetween(after, before), { calls: 0, cpuUs: 0, netBytes: 0 }, 'a restarted Redis gives zeros, not negatives');
});

test('run-time quantiles read cumulative buckets as histogram_quantile does, over a window and across tasks', () => {
  const histogram = (counts: number[]) => ({ count: counts.at(-1)!, sumMs: 0, buckets: [10, 100, Infinity].map((leMs, i) => ({ leMs, count: counts[i]! })) });
  const a = histogram([50, 90, 100]);
  assert.equal(quantileMs(a, 0.5), 10);
  assert.equal(quantileMs(a, 0.7), 10 + (90 * (70 - 50)) / 40);
  assert.equal(quantileMs(a, 0.95), 100, 'in the +Inf bucket: the last finite bound');
  assert.equal(quantileMs(histogram([0, 0, 0]), 0.5), undefined);
  const recent = subtractHistogram(histogram([60, 100, 110]), a);
  assert.deepEqual(recent.buckets.map((b) => b.count), [10, 10, 10]);
  assert.equal(quantileMs(recent, 0.5), 5);
  assert.deepEqual(mergeHistograms([a, a])!.buckets.map((b) => b.count), [100, 180, 200]);
});

test('label values are escaped so that the parser reads them back', () => {
  const text = formatFamilies([{ name: 'x_total', type: 'counter', help: 'a\\b\nc', samples: [{ labels: { queue: 'a"b\\c\nd' }, value: 2 }, { value: NaN }] }]);
  const { series } = parsePrometheusText(text);
  assert.equal(series[0]!.labels.queue, 'a"b\\c\nd');
  assert.ok(Number.isNaN(series[1]!.value));
  assert.throws(() => parsePrometheusText('x 1\n'), /outside its family/);
});

test('a non-loopback host without a token is refused with one line; a loopback one needs a loopback Host', async () => {
  const h = harness(world.server.url);
  try {
    await assert.rejects(startMonitor(h.app, { port: 0, host: '0.0.0.0' }), (error: Error & { code?: string }) =>
      error.code === 'INVALID_OPTION' && /without a token/.test(error.message) && !error.message.includes('\n'));
    await withMonitor(h, {}, async ({ url }) => {
      assert.equal((await call(url, '/api/config')).status, 200);
      const rebound = await call(url, '/api/config', { headers: { host: 'evil.example:5555' } });
      assert.equal(rebound.status, 403, 'a DNS-rebinding page sends its own Host');
    });
  } finally {
    await h.close();
  }
});

test('with a token: pages need the login cookie, the API a Bearer token, /metrics either unless public; POSTs pass the CSRF check', async () => {
  const h = harness(world.server.url);
  const token = randomUUID();
  try {
    await withMonitor(h, { token, metricsPublic: false }, async ({ url }) => {
      assert.equal((await call(url, '/api/workers')).status, 401);
      assert.equal((await call(url, '/')).status, 401);
      assert.equal((await call(url, '/metrics')).status, 401);
      assert.equal((await call(url, '/healthcheck')).status, 200);
      assert.equal((await call(url, '/login?token=wrong')).status, 401);
      const login = await call(url, `/login?token=${token}`);
      assert.equal(login.status, 303);
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      assert.match(String(login.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
      assert.equal((await call(url, '/', { headers: { cookie } })).status, 200);
      const bearer = { authorization: `Bearer ${token}` };
      assert.equal((await call(url, '/api/workers', { headers: bearer })).status, 200);
      assert.equal((await call(url, '/metrics', { headers: bearer })).status, 200);

      const ping = { body: { timeoutMs: 50 } };
      assert.equal((await call(url, '/api/control/ping', ping)).status, 401, 'a POST without the token fails');
      assert.equal((await call(url, '/api/control/ping', { ...ping, headers: { ...bearer, origin: 'http://evil.example' } })).status, 403);
      assert.equal((await call(url, '/api/control/ping', { ...ping, headers: { cookie, 'sec-fetch-site': 'cross-site' } })).status, 403);
      const host = new URL(url).host;
      assert.equal((await call(url, '/api/control/ping', { ...ping, headers: { cookie, 'sec-fetch-site': 'same-origin', origin: `http://${host}` } })).status, 200);
      assert.equal((await call(url, '/api/control/ping', { ...ping, headers: bearer })).status, 200, 'curl with the token: no browser headers');
    });
    await withMonitor(h, { token, metricsPublic: true }, async ({ url }) => {
      assert.equal((await call(url, '/metrics')).status, 200);
      assert.equal((await call(url, '/api/workers')).status, 401);
    });
  } finally {
    await h.close();
  }
});

test('read-only refuses every action and says so in /api/config', async () => {
  const h = harness(world.server.url);
  try {
    await h.raw.lpush(h.app.keys.ready(h.queue), '{"junk":1}');
    await withMonitor(h, { readOnly: true }, async ({ url }) => {
      assert.equal((await call(url, '/api/config')).json().readOnly, true);
      for (const path of [`/api/queue/${h.queue}/purge`, '/api/task/async-apply/add', '/api/task/revoke/x', '/api/control/shutdown', `/api/queue/${h.queue}/dead/drop`]) {
        const reply = await call(url, path, { body: { all: true } });
        assert.equal(reply.status, 403, path);
        assert.match(reply.json().error, /read-only/);
      }
      assert.equal(await h.raw.llen(h.app.keys.ready(h.queue)), 1, 'nothing was purged');
    });
  } finally {
    await h.close();
  }
});

test('the API sends, waits, finds, revokes and controls through a real worker', async () => {
  const h = harness(world.server.url);
  h.app.task('add', (a: number, b: number) => a + b);
  try {
    const worker = h.start({ consumerId: `w-${randomUUID()}`, events: 'final' });
    await withMonitor(h, {}, async ({ url }) => {
      await waitFor(async () => (await call(url, '/api/workers')).json().length === 1, { what: 'the worker in the registry' });
      const applied = (await call(url, '/api/task/apply/add', { body: { args: [2, 3] } })).json();
      assert.equal(applied.state, 'SUCCESS');
      assert.deepEqual(applied.result.value, 5);
      const sent = (await call(url, '/api/task/async-apply/add', { body: { args: [1, 1] } })).json();
      assert.match(sent['task-id'], /^[0-9a-f-]{36}$/);
      await waitFor(async () => (await call(url, `/api/task/info/${sent['task-id']}`)).json().state === 'SUCCESS', { what: 'the sent task to finish' });
      const info = (await call(url, `/api/task/info/${sent['task-id']}`)).json();
      assert.equal(info.queue, h.queue);
      assert.equal(info.result.value, 2);
      assert.deepEqual(info.events.map((record: { type: string }) => record.type), ['task-succeeded'], 'the timeline from the events stream');
      assert.ok((await call(url, '/api/tasks?state=SUCCESS')).json().tasks.some((row: { id: string }) => row.id === sent['task-id']));

      const later = (await call(url, '/api/task/async-apply/add', { body: { args: [1, 2], countdownMs: 60_000 } })).json();
      assert.equal((await call(url, '/api/tasks?state=SCHEDULED')).json().tasks[0].id, later['task-id']);
      assert.equal((await call(url, `/api/task/revoke/${later['task-id']}`, { body: { queue: h.queue } })).json().revoked, true);
      assert.equal(JSON.parse((await h.raw.get(h.app.keys.result(h.queue, later['task-id'])))!).state, 'REVOKED');

      const ping = (await call(url, '/api/control/ping', { body: { timeoutMs: 3000 } })).json();
      assert.deepEqual(ping.replies[worker.consumerId], { worker: worker.consumerId, ok: true, data: { ok: 'pong' } });
      const scaled = (await call(url, `/api/worker/pool/autoscale/${worker.consumerId}`, { body: { max: 4, min: 2, timeoutMs: 3000 } })).json();
      assert.equal(scaled.replies[worker.consumerId].ok, true, JSON.stringify(scaled));
      assert.equal((await call(url, '/api/control/explode', { body: {} })).status, 404);
      assert.equal((await call(url, '/api/control/pool_grow', { body: { args: { n: 0 } } })).status, 400);
      assert.equal((await call(url, '/api/task/async-apply/add', { body: { args: 'nope' } })).status, 400);
      assert.equal((await call(url, '/api/task/async-apply/add', { body: '[1]' as unknown })).status, 400);
    });
  } finally {
    await h.close();
  }
});

test('task info gives a canvas task its place: chord header, chord body, chain steps; a plain task has none', async () => {
  const h = harness(world.server.url);
  const add = h.app.task('add', (a: number, b: number) => a + b);
  const tsum = h.app.task('tsum', (values: number[]) => values.reduce((a, b) => a + b, 0));
  try {
    h.start({ consumerId: `w-${randomUUID()}` });
    await withMonitor(h, {}, async ({ url }) => {
      const info = async (id: string) => (await call(url, `/api/task/info/${id}`)).json();
      const body = await chord([add.s(1, 1), add.s(2, 2), add.s(3, 3)], tsum.s()).applyAsync();
      assert.equal(await body.get({ timeoutMs: 20_000 }), 12);
      const header = body.parent as GroupResult;
      const first = await info(header.results[0]!.id);
      assert.deepEqual(first.canvas, {
        role: 'header', chordId: header.id, chordQueue: h.queue, chordIndex: 0, chordTotal: 3, chordDone: 3, chordFailures: 0, chordFired: true, bodyId: body.id,
      });
      assert.deepEqual((await info(body.id)).canvas, {
        role: 'body', parentId: header.id, chordId: header.id, chordQueue: h.queue, chordTotal: 3, chordDone: 3, chordFailures: 0, chordFired: true,
      });

      const last = (await chain(add.s(1, 2), add.s(10)).applyAsync()) as AsyncResult;
      assert.equal(await last.get({ timeoutMs: 20_000 }), 13);
      const firstStep = last.parent as AsyncResult;
      assert.deepEqual((await info(firstStep.id)).canvas, { role: 'chain-step', nextId: last.id });
      assert.deepEqual((await info(last.id)).canvas, { role: 'chain-step', parentId: firstStep.id });

      const plain = await add.delay(1, 1);
      await plain.get({ timeoutMs: 20_000 });
      const plainInfo = await info(plain.id);
      assert.equal(plainInfo.canvas, undefined);
      assert.equal(JSON.parse((await h.raw.get(h.app.keys.result(h.queue, plain.id)))!).canvas, undefined, 'a plain record carries nothing more');
    });
  } finally {
    await h.close();
  }
});

test('/metrics parses as Prometheus text and its counts match the run exactly', async () => {
  const h = harness(world.server.url);
  const idle = `${h.queue}-idle`;
  h.app.task('add', (a: number, b: number) => a + b);
  h.app.task('boom', () => {
    throw new Error('boom');
  });
  try {
    const worker = h.start({ consumerId: `w-${randomUUID()}` });
    const ok = await Promise.all(Array.from({ length: 25 }, (_, i) => h.app.sendTask('add', [i, 1])));
    const bad = await Promise.all(Array.from({ length: 3 }, () => h.app.sendTask('boom', [])));
    for (const result of ok) await result.get({ timeoutMs: 10_000 });
    for (const result of bad) await assert.rejects(result.get({ timeoutMs: 10_000 }));
    await h.app.sendMany('add', Array.from({ length: 7 }, () => [1, 2]), { queue: idle });
    await withMonitor(h, { queues: [h.queue, idle] }, async ({ url }) => {
      const scrape = async () => parsePrometheusText((await call(url, '/metrics')).text);
      // The registry record is rewritten once a second: wait for the one after the last task.
      const { types, series } = await waitFor(async () => {
        const parsed = await scrape();
        return valueOf(parsed.series, 'hardq_worker_tasks_total', { worker: worker.consumerId, state: 'FAILURE' }) === 3
          && valueOf(parsed.series, 'hardq_worker_tasks_total', { worker: worker.consumerId, state: 'SUCCESS' }) === 25 ? parsed : undefined;
      }, { what: 'the registry counts of the run' });
      assert.equal(types.get('hardq_worker_tasks_total'), 'counter');
      assert.equal(valueOf(series, 'hardq_queue_messages', { queue: idle, state: 'ready' }), 7);
      assert.equal(valueOf(series, 'hardq_queue_messages', { queue: h.queue, state: 'ready' }), 0);
      assert.equal(valueOf(series, 'hardq_workers_online'), 1);
      assert.ok(valueOf(series, 'hardq_queue_oldest_age_seconds', { queue: idle })! >= 0);
      for (const s of series) assert.ok(!Object.values(s.labels).some((value) => ok.some((r) => r.id === value)), 'no task id as a label');
      assert.deepEqual([...new Set(series.flatMap((s) => Object.keys(s.labels)))].sort(), ['le', 'queue', 'state', 'task', 'worker']);
      // The counters are written by the finishing step itself: exact, whatever the registry's timing.
      assert.equal(valueOf(series, 'hardq_tasks_total', { queue: h.queue, task: 'add', state: 'SUCCESS' }), 25);
      assert.equal(valueOf(series, 'hardq_tasks_total', { queue: h.queue, task: 'boom', state: 'FAILURE' }), 3);
      assert.equal(types.get('hardq_task_runtime_seconds'), 'histogram');
      assert.equal(valueOf(series, 'hardq_task_runtime_seconds_count', { task: 'add' }), 25);
      assert.equal(valueOf(series, 'hardq_task_runtime_seconds_bucket', { task: 'boom', le: '+Inf' }), 3);
    });
  } finally {
    await h.close();
  }
});

test('under the monitor ACL user, pages, the API and /metrics read; every action answers 403 with NOPERM', async () => {
  const h = harness(world.server.url);
  const password = `pw-${randomUUID()}`;
  const user = `hardq-monitor-${randomUUID()}`;
  await h.raw.call('ACL', 'SETUSER', ...aclSetUserArgs({ role: 'monitor', queues: [h.queue], password, user }));
  const app = createApp({ redis: world.server.url.replace('redis://', `redis://${user}:${password}@`), defaultQueue: h.queue, log: () => {} });
  try {
    h.start({ consumerId: `w-${randomUUID()}` });
    await h.app.sendTask('add', [1, 2], { countdownMs: 60_000 });
    // A user granted some queues only is shown those (-Q): the known-queues set names others too.
    const monitor = await startMonitor(app, { port: 0, intervalMs: 200, queues: [h.queue] });
    try {
      await waitFor(async () => (await call(monitor.url, '/api/workers')).json().length === 1, { what: 'the worker, read as the monitor user' });
      for (const path of ['/api/queues', '/api/tasks', '/api/schedules', `/api/queue/${h.queue}/dead`, '/api/history', '/metrics']) {
        const reply = await call(monitor.url, path);
        assert.equal(reply.status, 200, `${path}: ${reply.text}`);
      }
      const purge = await call(monitor.url, `/api/queue/${h.queue}/purge`, { body: {} });
      assert.equal(purge.status, 403, purge.text);
      assert.match(purge.json().error, /NOPERM/);
      assert.equal(await h.raw.zcard(h.app.keys.scheduled(h.queue)), 1);
    } finally {
      await monitor.close();
    }
  } finally {
    await app.close();
    await h.raw.call('ACL', 'DELUSER', user);
    await h.close();
  }
});
