/**
 * Bench W7 (canvas), on its own: `npx tsx bench/w7.ts [--n 10000] [--hops 1000]`. Prints a
 * Markdown table for docs/BENCHMARKS.md and a JSON line (bench/workloads/canvas.ts measures).
 */
import { parseArgs } from 'node:util';
import { canvasWorkload, type Measured } from './workloads/canvas.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '10000' }, hops: { type: 'string', default: '1000' } } });
const report = await canvasWorkload({ n: Number(values.n), hops: Number(values.hops) });
const row = (m: Measured) => {
  const calls = Object.entries(m.redis.calls).sort((x, y) => y[1] - x[1]).slice(0, 6).map(([command, count]) => `${command} ${(count / m.tasks).toFixed(2)}`).join(', ');
  return `| ${m.label} | ${(m.wallMs / 1000).toFixed(2)} s | ${(m.wallMs / m.tasks).toFixed(3)} ms | ${(m.redis.cpuUs / m.tasks).toFixed(1)} µs | ${(m.redis.totalCalls / m.tasks).toFixed(2)} | ${calls} |`;
};
console.log('| run | wall | per task (or hop) | Redis CPU per task | commands per task | top commands per task |');
console.log('|---|---|---|---|---|---|');
for (const m of [report.plain, report.chord, report.chainOne, report.chainTwo]) console.log(row(m));
const overhead = (report.chord.redis.cpuUs / report.chord.tasks) / (report.plain.redis.cpuUs / report.plain.tasks) - 1;
const relayMs = (report.chainTwo.wallMs - report.chainOne.wallMs) / report.chainTwo.tasks;
console.log(`\nchord Redis CPU per header task vs a plain task: ${(overhead * 100).toFixed(1)} % more; relay latency per hop (two queues − one queue): ${relayMs.toFixed(3)} ms`);
console.log(`w7-json ${JSON.stringify(report)}`);
