/**
 * W6's figures, from raw samples to the table in latest.md and docs/SCALING.md: per system
 * and topology the median (min–max) over runs of jobs/s, each master's CPU per job it
 * served, the clients' CPU per job, and the projection: the rate the same cluster would
 * reach if each master had a core of its own and the clients ran elsewhere.
 */
import { spread, type Spread } from '../stats.ts';
import { topologyLabel } from '../w6-topology.ts';
import type { W6Sample } from '../workloads/w6-hardq.ts';

export type W6Row = {
  system: string;
  masters: number;
  jobsPerS: Spread;
  /** Every master's CPU together, per job. */
  redisUsPerJob: Spread;
  /** Per master, in slot order: its queues, its CPU per job it served, its share of a core. */
  perMaster: { queues: string[]; usPerServedJob: Spread; callsPerServedJob: Spread; cpuPct: Spread }[];
  workerUsPerJob: Spread;
  producerUsPerJob: Spread;
  /**
   * n ÷ the busiest master's CPU time: with a core per master, the first master to fill its
   * core caps the whole cluster, so this is the rate it would sustain.
   */
  projectedJobsPerS: Spread;
};

export const systemLabel = (id: string) => (id === 'bullmq' ? 'BullMQ (a {tag} per queue)' : 'hardq reliable');

export function summarizeW6(samples: W6Sample[]): W6Row[] {
  const groups = new Map<string, W6Sample[]>();
  for (const sample of samples) {
    const key = `${sample.system}|${sample.masters}`;
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  const rows = [...groups.values()].map((runs): W6Row => {
    const { system, masters } = runs[0]!;
    const of = (pick: (s: W6Sample) => number) => spread(runs.map(pick));
    return {
      system, masters,
      jobsPerS: of((s) => s.jobsPerS),
      redisUsPerJob: of((s) => s.nodes.reduce((sum, node) => sum + node.cpuUs, 0) / s.n),
      perMaster: runs[0]!.nodes.map((node, i) => ({
        queues: node.queues,
        usPerServedJob: of((s) => s.nodes[i]!.cpuUs / s.nodes[i]!.jobs),
        // Samples written before calls were kept have none: NaN, shown as –.
        callsPerServedJob: of((s) => (s.nodes[i]!.calls ? Object.values(s.nodes[i]!.calls).reduce((a, b) => a + b, 0) : NaN) / s.nodes[i]!.jobs),
        cpuPct: of((s) => s.nodes[i]!.cpuPct),
      })),
      workerUsPerJob: of((s) => s.workerCpuUsPerJob),
      producerUsPerJob: of((s) => s.producerCpuUsPerJob),
      projectedJobsPerS: of((s) => s.n / (Math.max(...s.nodes.map((node) => node.cpuUs)) / 1e6)),
    };
  });
  const isBullmq = (row: W6Row) => (row.system === 'bullmq' ? 1 : 0);
  return rows.sort((a, b) => isBullmq(a) - isBullmq(b) || a.masters - b.masters);
}

const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
const one = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const two = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '–');
const cell = (s: Spread, format: (value: number) => string = int) =>
  (s.runs <= 1 ? format(s.median) : `${format(s.median)} (${format(s.min)}–${format(s.max)})`);

export function w6Markdown(samples: W6Sample[]): string {
  const rows = summarizeW6(samples);
  if (rows.length === 0) return '';
  const { n, processes } = samples[0]!;
  const head = ['system', 'brokers', 'jobs/s', 'Redis CPU µs/job (all masters)', 'per master: queues · CPU µs and calls per job it served · % of a core', 'worker CPU µs/job', 'producer CPU µs/job', 'projected jobs/s, a core per master'];
  const lines = [
    `## W6 past one Redis: ${n.toLocaleString('en-US')} jobs over 6 queues, ${processes} consumer processes, on one Redis and on clusters`,
    `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${[
      systemLabel(row.system), topologyLabel(row.masters), cell(row.jobsPerS), cell(row.redisUsPerJob, one),
      row.perMaster.map((m, i) => `${i + 1}: ${m.queues.join(', ')} · ${cell(m.usPerServedJob, one)} µs · ${two(m.callsPerServedJob.median)} calls · ${int(m.cpuPct.median)} %`).join('<br>'),
      cell(row.workerUsPerJob, one), cell(row.producerUsPerJob, one), cell(row.projectedJobsPerS),
    ].join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}
