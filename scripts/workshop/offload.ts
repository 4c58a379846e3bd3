/**
 * `npm run workshop:offload`: lesson 1's demo with one command. It takes $REDIS_URL (else a
 * throwaway redis-server), starts a worker for scripts/workshop/offload-app.ts in its own
 * process, the web app (offload-server.ts) on a free port, sends the same load to
 * /register-blocking and /register, waits for the worker to send every email, and prints
 * both latencies side by side. Everything it started is stopped by pid.
 */
import { Agent } from 'node:http';
import { startThrowawayRedis, type ThrowawayRedis } from '../throwaway-redis.ts';
import { exitWith, UsageError } from '../../cli/exit.ts';
import { parseFlags, parseIntFlag } from '../../cli/flags.ts';
import { table } from '../../cli/table.ts';
import { call, fireLoad, percentile, type LoadRun } from './offload-load.ts';
import { startOffloadWorker, type OffloadWorker } from './offload-worker.ts';
import { djangoInstall, pythonWithDjango, startDjangoServer } from './offload-django.ts';
import type { OffloadServer } from './offload-server.ts';

const usage = `usage: npm run workshop:offload [-- options]
  --requests <n>             requests to each path (default 100)
  --concurrency <n>          clients sending at once (default 20)
  --worker-concurrency <n>   emails the worker sends at once (default 100)
  --no-worker                start no worker: terminal 1 runs it
                             (npm run hardq -- worker -A scripts/workshop/offload-app.ts -c 100)
  --serve                    only run the web app (on --port) until Ctrl-C, to try it with curl
  --django                   the web app in Django (scripts/workshop/django/offload_site.py), sending
                             through the Python producer; needs Debian's python3-django
  --port <n>                 the web app's port (default: a free one)
  --wait-ms <n>              how long to wait for the worker to send every email (default 60000)
  -h, --help                 this text
Uses $REDIS_URL, else starts a throwaway redis-server (stopped at the end); with --no-worker
or --serve, else redis://127.0.0.1:6379, where a worker without REDIS_URL looks too.`;

const workerCommand = 'npm run hardq -- worker -A scripts/workshop/offload-app.ts -c 100';

let flags;
try {
  const { values } = parseFlags('npm run workshop:offload --', {
    options: {
      requests: { type: 'string' }, concurrency: { type: 'string' }, 'worker-concurrency': { type: 'string' },
      'no-worker': { type: 'boolean', default: false }, serve: { type: 'boolean', default: false },
      port: { type: 'string' }, django: { type: 'boolean', default: false }, 'wait-ms': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  flags = {
    requests: parseIntFlag(values.requests, 'requests', 100, 1),
    concurrency: parseIntFlag(values.concurrency, 'concurrency', 20, 1),
    workerConcurrency: parseIntFlag(values['worker-concurrency'], 'worker-concurrency', 100, 1),
    port: parseIntFlag(values.port, 'port', 0),
    waitMs: parseIntFlag(values['wait-ms'], 'wait-ms', 60_000),
    worker: !values['no-worker'] && !values.serve,
    serve: values.serve,
    django: values.django,
  };
} catch (error) {
  exitWith(error);
}

const python = flags.django ? pythonWithDjango() : undefined;
if (flags.django && python === undefined) exitWith(new UsageError(`--django needs Django and redis-py for python3: ${djangoInstall}`));
let redis: ThrowawayRedis | undefined;
if (!process.env.REDIS_URL && !flags.worker) {
  // Terminal 1's worker must reach the same Redis: without REDIS_URL it takes hardq's default.
  process.env.REDIS_URL = 'redis://127.0.0.1:6379';
  console.log(`offload: REDIS_URL is not set; using ${process.env.REDIS_URL}, where a worker without REDIS_URL looks too`);
} else if (!process.env.REDIS_URL) {
  redis = await startThrowawayRedis();
  process.env.REDIS_URL = redis.url;
  console.log(`offload: REDIS_URL is not set; started a throwaway redis-server at ${redis.url} (pid ${redis.pid})`);
} else {
  console.log(`offload: using REDIS_URL (${process.env.REDIS_URL.replace(/\/\/[^@/]*@/, '//***@')})`);
}
// Imported after REDIS_URL is settled: the app reads it when it is created.
const { default: app, emailMs } = await import('./offload-app.ts');
const { startOffloadServer } = await import('./offload-server.ts');
let worker: OffloadWorker | undefined;
let server: OffloadServer;
try {
  server = python === undefined ? await startOffloadServer(flags.port) : await startDjangoServer(python, flags.port);
} catch (error) {
  await redis?.stop();
  exitWith((error as { code?: string }).code === 'EADDRINUSE' ? new UsageError(`port ${flags.port} is taken; pick another with --port`) : error);
}
const appName = python === undefined ? 'node:http (scripts/workshop/offload-server.ts)' : 'Django (scripts/workshop/django/offload_site.py)';

async function stopAll(): Promise<void> {
  await server.close();
  await worker?.stop();
  await app.close();
  await redis?.stop();
}

/** Polls GET /tasks/<id> until every id is SUCCESS or the deadline; returns how many are. */
async function waitForEmails(ids: string[], deadline: number, onSlow: () => void): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 20 });
  let pending = ids;
  let lastProgressAt = Date.now();
  for (;;) {
    const states = await Promise.all(pending.map(async (id) => JSON.parse((await call(agent, `${server.url}/tasks/${id}`, 'GET')).text) as { state: string }));
    const left = pending.filter((_, i) => states[i]!.state !== 'SUCCESS');
    if (left.length < pending.length) lastProgressAt = Date.now();
    pending = left;
    if (pending.length === 0 || Date.now() > deadline) break;
    if (Date.now() - lastProgressAt > 3000) {
      onSlow();
      lastProgressAt = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  agent.destroy();
  return ids.length - pending.length;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const perSecond = (run: LoadRun) => (run.ok / (run.wallMs / 1000)).toFixed(1);

try {
  await app.connection();
  if (flags.serve) {
    console.log(`offload: the web app, ${appName}, listens on ${server.url}; no worker here (terminal 1: ${workerCommand})`);
    const timed = `-w ' (%{time_total} s)\\n'`;
    console.log(`  curl -s ${timed} -X POST ${server.url}/register-blocking -d '{"email":"ada@example.com"}'`);
    console.log(`  curl -s ${timed} -X POST ${server.url}/register -d '{"email":"ada@example.com"}'`);
    console.log(`  curl -s ${server.url}/tasks/<taskId>`);
    console.log('Ctrl-C stops it.');
    await new Promise((resolve) => process.once('SIGINT', resolve));
  } else {
    if (flags.worker) worker = await startOffloadWorker(process.env.REDIS_URL!, flags.workerConcurrency);
    const load = { requests: flags.requests, concurrency: flags.concurrency };
    console.log(`offload: the web app, ${appName}, listens on ${server.url}; ${load.requests} requests to each path, ${load.concurrency} at a time ` +
      `(after ${load.concurrency} to /register not measured, to warm up)`);
    // A first round, not measured, so that the offloaded figures are not the first sends' (loading code, scripts).
    const warmUp = await fireLoad(`${server.url}/register`, { requests: load.concurrency, concurrency: load.concurrency });
    const blocking = await fireLoad(`${server.url}/register-blocking`, load);
    const offloaded = await fireLoad(`${server.url}/register`, load);
    const idsOf = (run: LoadRun) => run.bodies.map((body) => (body as { taskId: string }).taskId);
    const ids = idsOf(offloaded);
    const loadEndedAt = Date.now();
    const sentAtLoadEnd = await waitForEmails(ids, 0, () => {});
    const sent = await waitForEmails(ids, loadEndedAt + flags.waitMs, () =>
      console.log(`offload: waiting for a worker to send the emails; is one running? (terminal 1: ${workerCommand})`));
    const drainMs = Date.now() - loadEndedAt;
    // The warm-up's emails too, so that the worker stops with nothing left behind.
    await waitForEmails(idsOf(warmUp), loadEndedAt + flags.waitMs, () => {});
    console.log(`\n${table(['', 'blocking', 'offloaded'], [
      ['path', 'POST /register-blocking', 'POST /register'],
      ['answered', `${blocking.ok} of ${load.requests}`, `${offloaded.ok} of ${load.requests}`],
      ['requests/s', perSecond(blocking), perSecond(offloaded)],
      ['p50', ms(percentile(blocking.latenciesMs, 50)), ms(percentile(offloaded.latenciesMs, 50))],
      ['p99', ms(percentile(blocking.latenciesMs, 99)), ms(percentile(offloaded.latenciesMs, 99))],
      ['emails sent', `${blocking.ok} (inline, ${emailMs} ms each)`, `${sent} of ${ids.length} (by the worker)`],
    ])}\n`);
    const ratio = percentile(blocking.latenciesMs, 50) / percentile(offloaded.latenciesMs, 50);
    console.log(`offload: at p50 the offloaded request answers ${ratio.toFixed(0)}x sooner.`);
    console.log(`offload: when the last offloaded answer arrived, the worker had sent ${sentAtLoadEnd} of ${ids.length} emails; ` +
      (sent === ids.length ? `all ${sent} were sent ${(drainMs / 1000).toFixed(1)} s later.` : `${ids.length - sent} still wait in queue emails.`));
    for (const [name, run] of [['blocking', blocking], ['offloaded', offloaded]] as const) {
      if (run.failed > 0) console.log(`offload: ${run.failed} ${name} requests failed, the first with: ${run.firstFailure}`);
    }
    process.exitCode = sent === ids.length && blocking.failed + offloaded.failed === 0 ? 0 : 1;
  }
} catch (error) {
  await stopAll().catch(() => {});
  exitWith(error);
}
await stopAll();
