/**
 * What a browser drawing the monitor's charts costs, reported apart from the monitor's own
 * cost (issue 15): a `hardq worker -E` child runs a steady stream of noop tasks; Debian's
 * chromium (driven by playwright-core) keeps the overview open with its live charts for
 * --seconds; the browser's whole process group's CPU is read from /proc, and this process's
 * (the monitor, and the producer feeding the stream) from process.cpuUsage().
 *   node --conditions=source --import tsx bench/monitor-browser-cpu.ts [--seconds 30] [--rate 2000]
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';
import { createApp, startMonitor } from 'hardq';
import { startThrowawayRedis } from '../scripts/throwaway-redis.ts';
import { groupCpuUs } from './proc-cpu.ts';
import { startBenchWorker } from './monitor-worker.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, rate: { type: 'string', default: '2000' } } });
const seconds = Number(values.seconds);
const perTenth = Math.round(Number(values.rate) / 10);
const server = await startThrowawayRedis();
const app = createApp({ redis: server.url, log: () => {} });
const queue = `bench-${randomUUID()}`;
const worker = startBenchWorker(server.url, queue);
const monitor = await startMonitor(app, { port: 0, queues: [queue] });
// launchServer, not launch: its process() gives the pid that leads the browser's process group.
const browserServer = await chromium.launchServer({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const browser = await chromium.connect(browserServer.wsEndpoint());
let sending = true;
const producer = (async () => {
  while (sending) {
    await app.sendMany('noop', Array.from({ length: perTenth }, () => []), { queue });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
})();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${monitor.url}/#/overview`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('live'));
  const pgid = browserServer.process().pid!;
  const [browserBefore, selfBefore, startedAt] = [groupCpuUs(pgid), process.cpuUsage(), performance.now()];
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const wallUs = (performance.now() - startedAt) * 1000;
  const browserUs = groupCpuUs(pgid) - browserBefore;
  const self = process.cpuUsage(selfBefore);
  const rate = await page.locator('#ov-rate').textContent();
  console.log(`overview open ${seconds} s at about ${values.rate} tasks/s (the page showed ${rate} tasks/s): `
    + `browser ${(browserUs / wallUs * 100).toFixed(1)} % of a core; monitor and producer process ${((self.user + self.system) / wallUs * 100).toFixed(1)} % of a core`);
} finally {
  sending = false;
  await producer;
  await browser.close();
  await browserServer.close();
  await monitor.close();
  await worker.stop();
  await app.close();
  await server.stop();
}
