/**
 * W6 as two panels side by side, one point per broker topology: the jobs/s measured on
 * these 2 cores, and the projection with a core per master (w6-report.ts), hardq and BullMQ.
 */
import { panel, type Series } from './scaling-chart.ts';
import { document, familyColour } from './svg.ts';
import { systemLabel, type W6Row } from './w6-report.ts';

export function w6Chart(n: number, rows: W6Row[]): string {
  const title = `W6: ${n.toLocaleString('en-US')} jobs over 6 queues, one Redis and clusters`;
  const topologies = [...new Set(rows.map((row) => row.masters))].sort((a, b) => a - b);
  const labels = topologies.map((masters) => (masters === 0 ? '1 Redis' : `${masters} master${masters > 1 ? 's' : ''}`));
  const series = (pick: (row: W6Row) => number): Series[] => [...new Set(rows.map((row) => row.system))].map((system) => ({
    label: systemLabel(system),
    colour: familyColour[system === 'bullmq' ? 'bullmq' : 'hardq']!,
    values: topologies.map((masters) => {
      const row = rows.find((r) => r.system === system && r.masters === masters);
      return row === undefined ? 0 : pick(row);
    }),
  }));
  const body = [
    ...panel(70, 'measured on 2 cores', labels, series((row) => row.jobsPerS.median), 'jobs/s', 'brokers'),
    ...panel(450, 'projected, a core per master', labels, series((row) => row.projectedJobsPerS.median), 'jobs/s', 'brokers'),
  ];
  return document(790, 330, title, body);
}
