/**
 * W5 as two panels side by side: jobs/s against consumer processes, and where the CPU went
 * (Redis's one thread against the consumers' sum, in percent of one core).
 */
import type { ScalingSummary } from './summary.ts';
import { document, line, niceMax, short, text } from './svg.ts';

export type Series = { label: string; colour: string; values: number[] };

/** One line chart, 300 × 220 at `originX`; W6's chart (w6-chart.ts) draws its panels with it too. */
export function panel(originX: number, title: string, counts: (number | string)[], series: Series[], unit: string, xLabel = 'consumer processes'): string[] {
  const top = 60;
  const width = 300;
  const height = 220;
  const max = niceMax(Math.max(...series.flatMap((s) => s.values), 1));
  const x = (i: number) => originX + (counts.length === 1 ? width / 2 : (i / (counts.length - 1)) * width);
  const y = (value: number) => top + (1 - value / max) * height;
  const body = [text(originX + width / 2, top - 16, title, 'text-anchor="middle" font-weight="600"')];
  for (let i = 0; i <= 4; i++) {
    const value = (max * i) / 4;
    body.push(line(originX, y(value), originX + width, y(value), '#e9ecef'));
    body.push(text(originX - 6, y(value) + 4, short(value), 'text-anchor="end" fill="#495057"'));
  }
  counts.forEach((count, i) => body.push(text(x(i), top + height + 16, String(count), 'text-anchor="middle" fill="#495057"')));
  body.push(text(originX + width / 2, top + height + 34, `${xLabel}; ${unit}`, 'text-anchor="middle" fill="#495057"'));
  series.forEach((s, k) => {
    const points = s.values.map((value, i) => `${x(i).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
    body.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="2.5" points="${points}"/>`);
    s.values.forEach((value, i) => body.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(value).toFixed(1)}" r="3.5" fill="${s.colour}"/>`));
    body.push(line(originX + 10, top + 10 + k * 16, originX + 30, top + 10 + k * 16, s.colour, 'stroke-width="3"'));
    body.push(text(originX + 36, top + 14 + k * 16, s.label));
  });
  return body;
}

/** Throughput per shape (separate processes, and `hardq worker --processes N` when measured); CPU for the separate processes. */
export function scalingChart(title: string, rows: ScalingSummary[]): string {
  const counts = [...new Set(rows.map((r) => r.processes))].sort((a, b) => a - b);
  const ofShape = (shape: ScalingSummary['shape']) => counts.map((n) => rows.find((r) => r.shape === shape && r.processes === n));
  const separate = ofShape('separate');
  const group = ofShape('group');
  const values = (list: (ScalingSummary | undefined)[], pick: (r: ScalingSummary) => number) => list.map((r) => (r === undefined ? 0 : pick(r)));
  const throughput: Series[] = [{ label: 'separate processes', colour: '#d9480f', values: values(separate, (r) => r.jobsPerS.median) }];
  if (group.every((r) => r !== undefined)) throughput.push({ label: 'hardq worker --processes N', colour: '#2b8a3e', values: values(group, (r) => r.jobsPerS.median) });
  const cpuRows = separate.every((r) => r !== undefined) ? separate : group;
  const body = [
    ...panel(70, 'throughput', counts, throughput, 'jobs/s'),
    ...panel(450, 'CPU', counts, [
      { label: 'Redis (one thread)', colour: '#c92a2a', values: values(cpuRows, (r) => r.redisCpuPct.median) },
      { label: 'consumers (sum)', colour: '#1c7ed6', values: values(cpuRows, (r) => r.clientCpuPct.median) },
    ], '% of one core'),
  ];
  return document(790, 330, title, body);
}
