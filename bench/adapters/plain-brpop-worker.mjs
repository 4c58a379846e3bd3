/**
 * W3's floor: a BRPOP loop in plain JavaScript, run by `node` with no tsx and none of the
 * harness's adapter code, so that the raw adapter (raw-worker.ts under tsx) can be checked
 * against what a bare loop sees in the same run. It speaks just enough of the harness
 * protocol (child-io.ts) to be driven: `ready` on stdout, `report <count>` on stdin, then
 * `samples`. The clock is the one every adapter uses (payload.ts `nowMs`).
 */
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';

const spec = JSON.parse(process.argv[2]);
const nowMs = () => performance.timeOrigin + performance.now();
const emit = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, t: nowMs(), ...fields })}\n`);
const samples = [];
let expected;
let reported = false;
const report = () => {
  if (reported) return;
  reported = true;
  emit('samples', { samples });
};

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [command, count] = line.trim().split(/\s+/);
  if (command !== 'report') return;
  expected = Number(count);
  // Stragglers get 5 s, as in worker-report.ts; then what arrived is reported.
  if (samples.length >= expected) report();
  else setTimeout(report, 5000).unref();
});
lines.on('close', () => process.exit(0));

const redis = new Redis(spec.redisUrl);
await redis.ping();
setTimeout(() => emit('ready'), 200);
for (;;) {
  const popped = await redis.brpop(spec.queue, 1);
  if (popped === null) continue;
  samples.push(nowMs() - JSON.parse(popped[1]).ts);
  if (expected !== undefined && samples.length >= expected) report();
}
