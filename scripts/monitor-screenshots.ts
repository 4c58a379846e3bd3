/**
 * `npm run docs:screenshots`: the monitor's pictures in docs/img/, made from fixed data on a
 * throwaway redis-server: two workers with fixed ids, a few hundred tasks (some failing, some
 * for a task no worker knows, which are dead-lettered), a backlog, countdown tasks and a beat
 * schedule. Debian's chromium draws each page on a laptop, one in dark mode and one on a phone.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { addSchedule, createApp, startMonitor } from 'hardq';
import { startThrowawayRedis } from './throwaway-redis.ts';

const out = join(import.meta.dirname, '..', 'docs', 'img');
mkdirSync(out, { recursive: true });
const redis = await startThrowawayRedis();
const app = createApp({ redis: redis.url, log: () => {} });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
app.task('add', (a: number, b: number) => a + b);
app.task('send_email', async (to: string) => {
  await sleep(20);
  if (to.endsWith('.invalid')) throw new Error(`no mailbox at ${to}`);
  return { sentTo: to };
}, { queue: 'email' });
app.task('resize_image', async (width: number) => {
  await sleep(200);
  return { width: width / 2 };
}, { queue: 'images' });

const workers = [
  app.worker({ consumerId: 'web-1', queues: ['default', 'email'], concurrency: 8, events: 'all' }),
  app.worker({ consumerId: 'media-1', queues: ['images'], concurrency: 2, pool: 'async', events: 'final' }),
];
const runs = workers.map((worker) => worker.run());
const monitor = await startMonitor(app, { port: 0, intervalMs: 500 });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  await addSchedule(app, 'nightly-report', { task: 'add', args: [1, 2] }, { cron: '0 3 * * *', tz: 'Europe/Berlin' });
  await addSchedule(app, 'heartbeat', { task: 'add', args: [0, 0] }, { every: '30s' });
  for (let i = 0; i < 5; i++) await app.sendTask('send_email', [`later${i}@example.com`], { countdownMs: 3_600_000 });
  await app.sendMany('reports.weekly', [[2024, 1], [2024, 2], [2024, 3]], { queue: 'default' });
  await app.sendMany('resize_image', Array.from({ length: 60 }, (_, i) => [800 + i]));
  // Twenty seconds of steady work, so the charts have a shape; the live pages are drawn during it.
  const load = (async () => {
    for (let second = 0; second < 20; second++) {
      await app.sendMany('add', Array.from({ length: 40 + 10 * (second % 5) }, (_, i) => [i, second]));
      await app.sendMany('send_email', Array.from({ length: 10 }, (_, i) => [i % 7 === 0 ? `user${i}@nowhere.invalid` : `user${i}@example.com`]));
      await sleep(1000);
    }
  })();
  const shoot = async (name: string, hash: string, options: { width?: number; height?: number; dark?: boolean } = {}) => {
    const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 860 }, colorScheme: options.dark ? 'dark' : 'light', deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${monitor.url}/${hash}`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('live'));
    await sleep(1200);
    await page.screenshot({ path: join(out, `monitor-${name}.png`), fullPage: true });
    await context.close();
    console.log(`docs/img/monitor-${name}.png`);
  };
  await sleep(12_000);
  await shoot('overview', '#/overview');
  await shoot('overview-dark', '#/overview', { dark: true });
  await shoot('phone', '#/overview', { width: 390, height: 844 });
  await shoot('workers', '#/workers');
  await load;
  const failed = await app.sendTask('send_email', ['ops@nowhere.invalid']);
  await failed.get({ timeoutMs: 5000 }).catch(() => undefined);
  await shoot('tasks', '#/tasks');
  await shoot('task', `#/task/${failed.id}/email`);
  await shoot('queues', '#/queues');
  await shoot('dead', '#/dead/default');
  await shoot('schedules', '#/schedules');
} finally {
  await browser.close();
  await monitor.close();
  await app.close();
  await Promise.all(runs);
  await redis.stop();
}
