/**
 * The cost of signed messages (issue 14, item 3), on and off in the same run:
 * 1. CPU per message, in this process: encoding a message (signEnvelope + JSON.stringify,
 *    as buildMessage does) and reading it (JSON.parse + verifyEnvelope, as the worker does),
 *    with the bench's 100-byte payload;
 * 2. end to end on a throwaway redis-server: N tasks sent with sendMany, then drained by
 *    one in-process worker (reliable mode, concurrency 50, results stored), rounds
 *    alternating off/on so that machine noise falls on both.
 * Run: `npx tsx --conditions=source bench/signing.ts [N]` (default 20,000). Prints a table.
 */
import { randomUUID } from 'node:crypto';
import { createApp, resolveSigning, signEnvelope, verifyEnvelope, type AppConfig } from 'hardq';
import { startThrowawayRedis } from '../scripts/throwaway-redis.ts';
import { makePayload } from './payload.ts';

const n = Number(process.argv[2] ?? 20_000);
const signing: AppConfig['signing'] = { keys: { k1: 'a bench key of at least 16 bytes' }, current: 'k1' };
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** µs per message to encode (and, signed, to sign) and to read (and, signed, to verify) `count` messages. */
function cpuRound(signed: boolean, count: number): { buildUs: number; checkUs: number; bytes: number } {
  const resolved = resolveSigning(signing)!;
  const messages = Array.from({ length: count }, (_, i) => ({ v: 1, id: randomUUID(), task: 'bench.task', args: [makePayload(i)], createdAt: Date.now(), queue: 'bench' }));
  const raws: string[] = [];
  let started = performance.now();
  for (const message of messages) raws.push(JSON.stringify(signed ? signEnvelope(message, resolved, 'message') : message));
  const buildUs = ((performance.now() - started) * 1000) / count;
  started = performance.now();
  for (const raw of raws) if (signed) verifyEnvelope(JSON.parse(raw), resolved, 'message', Date.now()); else JSON.parse(raw);
  const checkUs = ((performance.now() - started) * 1000) / count;
  return { buildUs, checkUs, bytes: raws.reduce((sum, raw) => sum + Buffer.byteLength(raw), 0) / count };
}

/** Tasks per second: send `count` with sendMany (batches of 1,000), then drain them with one worker. */
async function endToEnd(url: string, signed: boolean, count: number): Promise<{ sendPerS: number; drainPerS: number }> {
  const queue = `bench-${randomUUID()}`;
  const app = createApp({ redis: url, defaultQueue: queue, signing: signed ? signing : undefined, log: () => {} });
  app.task('bench.task', (payload: unknown) => payload !== undefined);
  let started = performance.now();
  for (let i = 0; i < count; i += 1000) await app.sendMany('bench.task', Array.from({ length: Math.min(1000, count - i) }, (_, j) => [makePayload(i + j)]));
  const sendPerS = count / ((performance.now() - started) / 1000);
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((resolve) => (finished = resolve));
  const worker = app.worker({ concurrency: 50 });
  worker.on('task', (event) => {
    if (event.state !== 'SUCCESS') throw new Error(`bench task ended ${event.state}: ${event.error}`);
    if (++done === count) finished();
  });
  started = performance.now();
  const running = worker.run();
  await all;
  const drainPerS = count / ((performance.now() - started) / 1000);
  await app.close();
  await running;
  return { sendPerS, drainPerS };
}

async function main(): Promise<void> {
  const cpu = { off: [] as ReturnType<typeof cpuRound>[], on: [] as ReturnType<typeof cpuRound>[] };
  for (let round = 0; round < 5; round++) for (const mode of ['off', 'on'] as const) cpu[mode].push(cpuRound(mode === 'on', 20_000));
  const server = await startThrowawayRedis();
  const e2e = { off: [] as { sendPerS: number; drainPerS: number }[], on: [] as { sendPerS: number; drainPerS: number }[] };
  try {
    for (let round = 0; round < 3; round++) for (const mode of ['off', 'on'] as const) e2e[mode].push(await endToEnd(server.url, mode === 'on', n));
  } finally {
    await server.stop();
  }
  const row = (mode: 'off' | 'on') => [
    mode, median(cpu[mode].map((r) => r.buildUs)).toFixed(2), median(cpu[mode].map((r) => r.checkUs)).toFixed(2), cpu[mode][0]!.bytes.toFixed(0),
    median(e2e[mode].map((r) => r.sendPerS)).toFixed(0), median(e2e[mode].map((r) => r.drainPerS)).toFixed(0),
  ].join(' | ');
  console.log(`signing bench: N = ${n} per end-to-end round, 3 rounds each (median), CPU: 5 rounds of 20,000 (median)`);
  console.log('| signing | build µs/msg | parse+check µs/msg | bytes/msg | sendMany tasks/s | drain tasks/s |');
  console.log('|---|---|---|---|---|---|');
  console.log(`| ${row('off')} |`);
  console.log(`| ${row('on')} |`);
}

await main();
