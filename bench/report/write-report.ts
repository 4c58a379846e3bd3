/**
 * Writes a run's report next to its JSON: latest.md (the tables) and the SVG charts
 * (throughput, latency distribution, W5 scaling, W6 clusters). Returns the markdown for printing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Results } from '../results.ts';
import { barChart, type Bar } from './bar-chart.ts';
import { latencyChart } from './latency-chart.ts';
import { renderMarkdown } from './markdown.ts';
import { scalingChart } from './scaling-chart.ts';
import { summarize } from './summary.ts';
import { w6Chart } from './w6-chart.ts';
import { summarizeW6, w6Markdown } from './w6-report.ts';

export function writeReport(results: Results, outDir: string): string {
  const summary = summarize(results);
  const n = results.meta.profile.n.toLocaleString('en-US');
  const bars = (pick: (s: (typeof summary.systems)[number]) => Bar['value'] | undefined): Bar[] =>
    summary.systems.flatMap((s) => {
      const value = pick(s);
      return value ? [{ id: s.id, label: s.label, value }] : [];
    });
  const charts: [string, string, Bar[]][] = [
    ['w1-enqueue.svg', `W1 bulk enqueue, N = ${n}`, bars((s) => s.w1)],
    ['w2-drain.svg', `W2 drain, first → last completion, N = ${n}`, bars((s) => s.w2FirstLast)],
    ['w2-drain-from-spawn.svg', `W2 drain, worker spawn → last completion, N = ${n}`, bars((s) => s.w2Spawn)],
  ];
  const bigN = summary.systems.find((s) => s.big)?.big?.n;
  if (bigN !== undefined) charts.push(['w2-drain-100k.svg', `W2 drain, first → last, N = ${bigN.toLocaleString('en-US')}`, bars((s) => s.big?.w2FirstLast)]);
  for (const [file, title, rows] of charts) if (rows.length > 0) writeFileSync(join(outDir, file), barChart(title, 'jobs/s', rows));

  const curves = summary.systems.flatMap((s) => (s.w3 ? [{ label: s.label, sortedMs: s.w3.sortedMs }] : []));
  if (curves.length > 0) {
    const { ratePerS, durationMs } = results.meta.profile.latency;
    writeFileSync(join(outDir, 'w3-latency.svg'), latencyChart(`W3 latency, enqueue → handler start, ${ratePerS}/s for ${durationMs / 1000} s (all runs)`, curves));
  }
  if (summary.scaling.length > 0) {
    writeFileSync(join(outDir, 'w5-scaling.svg'), scalingChart('W5: hardq reliable, one Redis, more consumer processes', summary.scaling));
  }
  const w6 = results.w6 ?? [];
  if (w6.length > 0) {
    writeFileSync(join(outDir, 'w6-cluster.svg'), w6Chart(w6[0]!.n, summarizeW6(w6)));
  }
  const markdown = w6.length > 0 ? `${renderMarkdown(results, summary)}\n${w6Markdown(w6)}` : renderMarkdown(results, summary);
  writeFileSync(join(outDir, 'latest.md'), markdown);
  return markdown;
}
