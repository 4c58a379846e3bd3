/**
 * The monitor's pages in a real browser: Debian's chromium driven by playwright-core (never a
 * downloaded browser), one browser for the file. Each test starts a monitor on a free port
 * over the file's private Redis and a real in-process worker, acts through the page, and
 * checks the outcome in Redis. Screenshots go to a temporary folder (printed); page load
 * times are printed as diagnostics.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chain, chord, listWorkers, startMonitor, type AsyncResult, type GroupResult, type Monitor, type MonitorOptions } from 'hardq';
import { buildMessage } from '../producer/send.ts';
import { encodeDeadLetter } from '../shared/dead-letter.ts';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness, type Harness } from './fixtures/harness.ts';

const world = privateRedis();
const shots = mkdtempSync(join(tmpdir(), 'hardq-monitor-shots-'));
let browser: Browser;

before(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
});
after(async () => {
  await browser?.close();
});

/** A harness with the `add` task, a monitor over it, and a fresh browser page that fails the test on any script error. */
async function scene(t: TestContext, options: MonitorOptions = {}): Promise<{ h: Harness; monitor: Monitor; page: Page; errors: string[] }> {
  const h = harness(world.server.url);
  h.app.task('add', (a: number, b: number) => a + b);
  const monitor = await startMonitor(h.app, { port: 0, intervalMs: 250, ...options });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Generous: the machine runs other suites beside this one; every wait is for a condition.
  page.setDefaultTimeout(30_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  t.after(async () => {
    await context.close();
    await monitor.close();
    await h.close();
  });
  return { h, monitor, page, errors };
}

const live = (page: Page) => page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('live'));

test('every page loads, live, without a script error (load times printed)', async (t) => {
  const { h, monitor, page, errors } = await scene(t);
  h.start({ consumerId: `w-${randomUUID()}` });
  await waitFor(async () => (await listWorkers(h.app)).length === 1, { what: 'the worker in the registry' });
  for (const [name, heading] of [['overview', 'Overview'], ['workers', 'Workers'], ['tasks', 'Tasks'], ['queues', 'Queues'], ['dead', 'Dead letters'], ['schedules', 'Schedules']]) {
    await page.goto('about:blank');
    const startedAt = Date.now();
    await page.goto(`${monitor.url}/#/${name}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await live(page);
    const liveMs = Date.now() - startedAt;
    const timing = await page.evaluate(() => {
      const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
      return { domContentLoadedMs: Math.round(navigation!.domContentLoadedEventEnd), loadMs: Math.round(navigation!.loadEventEnd) };
    });
    t.diagnostic(`${name}: DOMContentLoaded ${timing.domContentLoadedMs} ms, load ${timing.loadMs} ms, first live numbers ${liveMs} ms`);
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  }
  assert.equal(await page.getByRole('link', { name: 'Schedules' }).getAttribute('aria-current'), 'page');
  t.diagnostic(`screenshots in ${shots}`);
  assert.deepEqual(errors, []);
});

test('the overview\'s live numbers change while a worker runs tasks', async (t) => {
  const { h, monitor, page, errors } = await scene(t);
  h.start({ consumerId: `w-${randomUUID()}` });
  await page.goto(`${monitor.url}/#/overview`);
  await live(page);
  await page.waitForFunction(() => document.getElementById('ov-workers')?.textContent === '1');
  const rate = page.locator('#ov-rate');
  assert.equal(await rate.textContent(), '0');
  // Tasks keep coming until the page shows a rate: the registry counts move once a second.
  await waitFor(async () => {
    await h.app.sendMany('add', Array.from({ length: 50 }, (_, i) => [i, 1]));
    return (await rate.textContent()) !== '0';
  }, { intervalMs: 200, timeoutMs: 20_000, what: 'a non-zero tasks/s on the page' });
  // The run-time quantiles come from the counters, read every 10 ticks.
  await page.locator('#ov-p50').filter({ hasText: /ms|s$/ }).waitFor();
  await page.screenshot({ path: join(shots, 'overview-live.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('revoke on the task page makes the task REVOKED in Redis', async (t) => {
  const { h, monitor, page } = await scene(t);
  const later = await h.app.sendTask('add', [1, 2], { countdownMs: 60_000 });
  await page.goto(`${monitor.url}/#/task/${later.id}/${h.queue}`);
  await page.getByRole('button', { name: 'revoke', exact: true }).click();
  await waitFor(async () => JSON.parse((await h.raw.get(h.app.keys.result(h.queue, later.id))) ?? '{}').state === 'REVOKED', { what: 'REVOKED in Redis' });
  await page.locator('#task-state', { hasText: 'REVOKED' }).waitFor();
});

test('the task page shows a task\'s place in a chord and a chain, with links to its body, parent and next step', async (t) => {
  const { h, monitor, page, errors } = await scene(t);
  const add = h.app.task('add2', (a: number, b: number) => a + b);
  const tsum = h.app.task('tsum', (values: number[]) => values.reduce((a, b) => a + b, 0));
  h.start({ consumerId: `w-${randomUUID()}` });
  const body = await chord([add.s(1, 1), add.s(2, 2), add.s(3, 3)], tsum.s()).applyAsync();
  assert.equal(await body.get({ timeoutMs: 20_000 }), 12);
  const header = (body.parent as GroupResult).results;
  await page.goto(`${monitor.url}/#/task/${header[1]!.id}`);
  await page.locator('#chord-progress', { hasText: '3 of 3 done; body sent' }).waitFor();
  assert.equal(await page.locator('#canvas-role').textContent(), 'chord header task 2');
  await page.getByRole('region', { name: 'canvas' }).getByRole('link', { name: body.id }).click();
  await page.getByRole('heading', { level: 1, name: `Task ${body.id}` }).waitFor();
  await page.locator('#canvas-role', { hasText: 'chord body' }).waitFor();
  await page.screenshot({ path: join(shots, 'task-chord-body.png'), fullPage: true });

  const last = (await chain(add.s(1, 2), add.s(10)).applyAsync()) as AsyncResult;
  assert.equal(await last.get({ timeoutMs: 20_000 }), 13);
  const first = last.parent as AsyncResult;
  await page.goto(`${monitor.url}/#/task/${last.id}`);
  await page.locator('#canvas-role', { hasText: 'chain step' }).waitFor();
  await page.getByRole('region', { name: 'canvas' }).getByRole('link', { name: first.id }).click();
  await page.getByRole('heading', { level: 1, name: `Task ${first.id}` }).waitFor();
  await page.getByRole('region', { name: 'canvas' }).getByRole('link', { name: last.id }).waitFor();
  assert.deepEqual(errors, []);
});

test('pool +1 on the workers page shows in the registry', async (t) => {
  const { h, monitor, page } = await scene(t);
  const worker = h.start({ consumerId: `w-${randomUUID()}`, concurrency: 2 });
  await waitFor(async () => (await listWorkers(h.app)).length === 1, { what: 'the worker in the registry' });
  await page.goto(`${monitor.url}/#/workers`);
  await page.getByRole('button', { name: `grow the pool of ${worker.consumerId} by 1` }).click();
  await waitFor(async () => (await listWorkers(h.app))[0]?.concurrency === 3, { what: 'concurrency 3 in the registry' });
  await page.locator(`tr[data-worker="${worker.consumerId}"] [data-field="concurrency"]`, { hasText: '3' }).waitFor();
});

test('purge asks for a confirm naming the count, then empties the queue', async (t) => {
  const idle = `idle-${randomUUID()}`;
  const { h, monitor, page } = await scene(t, { queues: [idle] });
  await h.app.sendMany('add', Array.from({ length: 5 }, () => [1, 1]), { queue: idle });
  await page.goto(`${monitor.url}/#/queues`);
  await page.getByRole('button', { name: `purge ${idle}` }).click();
  const confirm = page.getByRole('button', { name: `confirm purge of ${idle}` });
  assert.match((await confirm.textContent())!, /delete 5 ready/);
  assert.equal(await h.raw.llen(h.app.keys.ready(idle)), 5, 'nothing is deleted before the confirm');
  await confirm.click();
  await waitFor(async () => (await h.raw.llen(h.app.keys.ready(idle))) === 0, { what: 'the ready list emptied' });
});

test('a dead letter requeued from its page runs', async (t) => {
  const { h, monitor, page } = await scene(t);
  h.start({ consumerId: `w-${randomUUID()}` });
  const message = buildMessage(h.app, 'add', [20, 22]);
  await h.raw.lpush(h.app.keys.dead(h.queue), encodeDeadLetter({ reason: 'max-retries', error: 'gave up', raw: message.raw, queue: h.queue, deadAt: Date.now() }));
  await page.goto(`${monitor.url}/#/dead/${h.queue}`);
  await page.getByRole('button', { name: `requeue ${message.id}` }).click();
  const result = await h.app.asyncResult<number>(message.id).get({ timeoutMs: 10_000 });
  assert.equal(result, 42);
  assert.equal(await h.raw.llen(h.app.keys.dead(h.queue)), 0);
});

test('read-only hides every action and the server refuses them', async (t) => {
  const { h, monitor, page } = await scene(t, { readOnly: true });
  const worker = h.start({ consumerId: `w-${randomUUID()}` });
  await page.goto(`${monitor.url}/#/workers`);
  await page.locator(`tr[data-worker="${worker.consumerId}"]`).waitFor();
  assert.equal(await page.getByRole('button', { name: `grow the pool of ${worker.consumerId} by 1` }).isVisible(), false);
  assert.equal(await page.getByRole('form', { name: 'send a control command' }).isVisible(), false);
  const status = await page.evaluate(async (id) => (await fetch('/api/control/pool_grow', { method: 'POST', body: JSON.stringify({ worker: id, args: { n: 1 } }) })).status, worker.consumerId);
  assert.equal(status, 403);
  await page.goto(`${monitor.url}/#/queues`);
  assert.equal(await page.getByRole('button', { name: `purge ${h.queue}` }).isVisible(), false);
});

test('with a token, the login link opens the pages; without it they are refused', async (t) => {
  const token = randomUUID();
  const { monitor, page, errors } = await scene(t, { token });
  const refused = await page.goto(`${monitor.url}/#/overview`);
  assert.equal(refused?.status(), 401);
  await page.goto(`${monitor.url}/login?token=${token}`);
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  await live(page);
  const reply = await page.evaluate(async () => {
    const response = await fetch('/api/control/ping', { method: 'POST', body: '{"timeoutMs":50}' });
    return { status: response.status, body: await response.text() };
  });
  assert.equal(reply.status, 200, `a same-origin POST with the cookie passes (${reply.body})`);
  assert.deepEqual(errors.filter((error) => !/401/.test(error)), []);
});
