/**
 * W3's latency distribution: one cumulative curve per system (share of jobs started within
 * x ms). x is logarithmic so that both the sub-millisecond median and the tail show; y is
 * stretched towards 100 % (log of 1 / (1 − share)) so that p99 and p99.9 get room too.
 */
import { document, line, lineColours, text } from './svg.ts';

export type Curve = { label: string; sortedMs: number[] };

export function latencyChart(title: string, curves: Curve[]): string {
  const left = 60;
  const top = 40;
  const width = 620;
  const height = 320;
  const all = curves.flatMap((c) => [c.sortedMs[0] ?? 1, c.sortedMs[c.sortedMs.length - 1] ?? 1]);
  const low = 10 ** Math.floor(Math.log10(Math.max(0.01, Math.min(...all))));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...all, low * 10)));
  const x = (ms: number) => left + ((Math.log10(Math.max(ms, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * width;
  const most = Math.max(10, ...curves.map((c) => c.sortedMs.length));
  const stretch = (share: number) => Math.log10(1 / Math.max(1 - share, 1 / most));
  const y = (share: number) => top + (1 - stretch(share) / Math.log10(most)) * height;
  const body: string[] = [];
  for (let decade = low; decade <= high * 1.0001; decade *= 10) {
    body.push(line(x(decade), top, x(decade), top + height, '#dee2e6'));
    body.push(text(x(decade), top + height + 16, `${+decade.toPrecision(1)} ms`, 'text-anchor="middle" fill="#495057"'));
  }
  for (const share of [0, 0.5, 0.9, 0.99, 0.999]) {
    if (1 - share < 1 / most) continue;
    body.push(line(left, y(share), left + width, y(share), '#e9ecef'));
    body.push(text(left - 6, y(share) + 4, `${+(share * 100).toFixed(1)}%`, 'text-anchor="end" fill="#495057"'));
  }
  curves.forEach((curve, i) => {
    const colour = lineColours[i % lineColours.length]!;
    const n = curve.sortedMs.length;
    // At most ~400 points per curve: every k-th sample, plus the last one.
    const step = Math.max(1, Math.floor(n / 400));
    const points: string[] = [];
    // Densest where the tail is: every k-th point below p90, every point above it.
    for (let k = 0; k < n; k += k < 0.9 * n ? step : 1) points.push(`${x(curve.sortedMs[k]!).toFixed(1)},${y((k + 0.5) / n).toFixed(1)}`);
    body.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.8" points="${points.join(' ')}"/>`);
    const legendY = top + height + 40 + i * 16;
    body.push(line(left, legendY - 4, left + 24, legendY - 4, colour, 'stroke-width="3"'));
    body.push(text(left + 30, legendY, curve.label));
  });
  return document(left + width + 30, top + height + 50 + curves.length * 16, title, body);
}
