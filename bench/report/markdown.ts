/**
 * The tables, as markdown: printed at the end of a run, written to latest.md, and pasted
 * into docs/BENCHMARKS.md. Every cell is a median, with min–max when there were several runs.
 */
import type { Results } from '../results.ts';
import { percentile, type Spread } from '../stats.ts';
import type { Summary } from './summary.ts';
import { checkIssue17Targets, checkTargets } from './targets.ts';

const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
const fixed = (digits: number) => (value: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

/** `19,501 (19,405–20,125)`, or the median alone after a single run. */
export function cell(s: Spread | undefined, format: (value: number) => string = int): string {
  if (s === undefined || s.runs === 0) return '–';
  return s.runs === 1 ? format(s.median) : `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

/** How W5's consumer processes were started (bench/workloads/scaling.ts). */
const shapeLabel = { separate: 'separate app.worker() processes', group: 'one hardq worker --processes N' } as const;

const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

export function renderMarkdown(results: Results, summary: Summary): string {
  const { meta } = results;
  const v = meta.versions;
  const out: string[] = [];
  out.push(`# hardq benchmark: ${meta.profile.name} run`);
  const load = meta.loadAverage;
  out.push(`${meta.startedAt} · \`${meta.command}\` · ${meta.durationS ?? '?'} s · ${meta.machine.vcpus} vCPU (${meta.machine.cpu}), ${meta.machine.memGiB} GiB, ${meta.machine.os} · load average ${load.start.toFixed(1)} at the start, ${load.end?.toFixed(1) ?? '?'} at the end`);
  out.push(`Node ${v.node}, Redis ${v.redis}, ioredis ${v.ioredis}, BullMQ ${v.bullmq}, Bee-Queue ${v['bee-queue']}, Celery ${v.celery} (kombu ${v.kombu}, redis-py ${v['redis-py']}, Python ${v.python}). N = ${meta.profile.n.toLocaleString('en-US')} per W1+W2 run, ${meta.profile.runs} run(s) per cell: median (min–max).`);
  for (const notice of results.notices) out.push(`> ${notice}`);

  const rows = summary.systems.filter((s) => s.w1 || s.w3 || s.w1Single);
  out.push('## Throughput, latency and cost per job', table(
    ['System', 'W1 bulk enqueue jobs/s', 'W1 single jobs/s', 'W2 drain jobs/s, spawn → last', 'W2 drain jobs/s, first → last', 'W3 p50 / p99 / max ms', 'W4 calls/job (enqueue + drain)', 'B per queued job'],
    rows.map((s) => [
      s.label, cell(s.w1), cell(s.w1Single), cell(s.w2Spawn), cell(s.w2FirstLast),
      s.w3 ? [s.w3.p50, s.w3.p99, s.w3.max].map((p) => fixed(2)(p.median)).join(' / ') : '–',
      s.w4 ? `${fixed(2)(s.w4.callsEnqueue + s.w4.callsDrain)} (${fixed(2)(s.w4.callsEnqueue)} + ${fixed(2)(s.w4.callsDrain)})` : '–',
      s.w4 ? int(s.w4.memoryPerJob) : '–',
    ]),
  ));

  const big = summary.systems.filter((s) => s.big);
  if (big.length > 0) {
    out.push(`## Throughput at N = ${big[0]!.big!.n.toLocaleString('en-US')}`, table(
      ['System', 'W1 bulk enqueue jobs/s', 'W2 drain jobs/s, spawn → last', 'W2 drain jobs/s, first → last', 'worker CPU µs/job', 'Redis CPU µs/job, drain'],
      big.map((s) => [s.label, cell(s.big!.w1), cell(s.big!.w2Spawn), cell(s.big!.w2FirstLast), cell(s.big!.workerCpuUsPerJob, fixed(1)), cell(s.big!.redisCpuUsDrain, fixed(1))]),
    ));
  }

  const latency = summary.systems.filter((s) => s.w3);
  if (latency.length > 0) {
    const runs = meta.profile.latency.runs;
    out.push(`## W3 latency, enqueue call → handler start (ms), ${meta.profile.latency.ratePerS}/s for ${meta.profile.latency.durationMs / 1000} s, ${runs} run(s): median (min–max) of each run's percentile`, table(
      ['System', 'p50', 'p99', 'max', 'p99 of all runs pooled', 'CPU pressure % (PSI)', 'producer rate /s'],
      latency.map((s) => [s.label, cell(s.w3!.p50, fixed(3)), cell(s.w3!.p99, fixed(3)), cell(s.w3!.max, fixed(2)),
        fixed(3)(percentile(s.w3!.sortedMs, 99)), cell(s.w3!.cpuPressurePct), fixed(1)(s.w3!.ratePerS)]),
    ));
    out.push('CPU pressure: the share of each run\'s wall time in which some task waited for a CPU (/proc/pressure/cpu). Runs with high pressure have their p99 set by the machine, not by the system under test.');
  }

  const starts = summary.systems.flatMap((s) => (s.startup ?? []).map((start) => ({ label: s.label, ...start })));
  if (starts.length > 0) {
    out.push(`## Start-up, spawn → first job (ms), one job queued, ${meta.profile.startup.runs} run(s)`, table(
      ['System', 'started as', 'process start', 'imports loaded', 'ready', 'first job done'],
      starts.map((s) => [s.label, s.runtime === 'compiled' ? 'compiled JS, plain node' : 'TypeScript under tsx', cell(s.processStart), cell(s.loaded), cell(s.ready), cell(s.firstMs)]),
    ));
  }

  const costs = summary.systems.filter((s) => s.w4);
  if (costs.length > 0) {
    out.push('## W4 Redis cost per job (W1 + W2, server-side: commands inside Lua count)', table(
      ['System', 'calls/job', 'EVAL/EVALSHA per job', 'top 5 commands (calls/job)', 'Redis CPU µs/job (enqueue + drain)', 'Redis CPU share in W2', 'worker CPU µs/job', 'producer CPU µs/job', 'net in / out B/job', 'worker start-up ms'],
      costs.map((s) => {
        const c = s.w4!;
        return [
          s.label, fixed(2)(c.callsEnqueue + c.callsDrain), fixed(2)(c.evalPerJob), c.top.map(([name, calls]) => `${name} ${calls.toFixed(2)}`).join(', '),
          `${fixed(1)(c.redisCpuUsEnqueue)} + ${fixed(1)(c.redisCpuUsDrain)}`, `${int(c.redisSharePct)} %`, fixed(1)(c.workerCpuUsPerJob),
          fixed(1)(c.producerCpuUsPerJob), `${int(c.netInPerJob)} / ${int(c.netOutPerJob)}`, cell(s.startupMs),
        ];
      }),
    ));
  }

  if (summary.scaling.length > 0) {
    out.push(`## W5 the single-broker limit: hardq reliable, N = ${meta.profile.scaling.n.toLocaleString('en-US')}, consumers started before the queue fills`, table(
      ['consumer processes', 'started as', 'jobs/s', 'Redis CPU % of a core', 'consumers CPU % (sum)', 'Redis CPU µs/job', 'consumer CPU µs/job'],
      summary.scaling.map((s) => [String(s.processes), shapeLabel[s.shape], cell(s.jobsPerS), cell(s.redisCpuPct), cell(s.clientCpuPct), cell(s.redisCpuUsPerJob, fixed(1)), cell(s.clientCpuUsPerJob, fixed(1))]),
    ));
    const best = summary.scaling.reduce((a, b) => (b.jobsPerS.median > a.jobsPerS.median ? b : a));
    const cores = meta.machine.vcpus;
    const consumersCores = best.clientCpuPct.median / 100;
    const redisCore = best.redisCpuPct.median / 100;
    out.push(`Peak: ${int(best.jobsPerS.median)} jobs/s with ${best.processes} process(es) (${shapeLabel[best.shape]}); Redis used ${int(best.redisCpuPct.median)} % of one core and the consumers ${int(best.clientCpuPct.median)} % (${consumersCores.toFixed(2)} cores) of the ${cores} vCPUs. ` +
      `${redisCore + consumersCores > cores * 0.9 ? 'The machine was saturated' : 'The machine had headroom'}; ${consumersCores > redisCore ? 'the consumers, not Redis, took most of it' : 'Redis took the larger share'}. ` +
      `With a core of its own at ${fixed(1)(best.redisCpuUsPerJob.median)} µs per job, one Redis would reach about ${int(1e6 / best.redisCpuUsPerJob.median)} jobs/s.`);
  }

  out.push('## Targets (issue 6), hardq reliable with results stored', table(
    ['Target', 'Measured', 'Met'],
    checkTargets(summary).map((t) => [t.target, t.measured, t.met === undefined ? '–' : t.met ? 'yes' : '**no**']),
  ));
  out.push('## Targets (issue 17) that one run checks', table(
    ['Target', 'Measured', 'Met'],
    checkIssue17Targets(summary).map((t) => [t.target, t.measured, t.met === undefined ? '–' : t.met ? 'yes' : '**no**']),
  ));
  if (results.errors.length > 0) {
    out.push('## Failed steps', ...results.errors.map((e) => `- ${e.step}: ${e.message}`));
  }
  return `${out.join('\n\n')}\n`;
}
