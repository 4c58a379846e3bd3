/**
 * Throughput per system as horizontal bars: the median as the bar, min–max as a whisker,
 * the value written at the bar's end. One chart per measure (W1, W2, W2 at N = 100k).
 */
import type { Spread } from '../stats.ts';
import { document, familyColour, familyOf, line, niceMax, short, text } from './svg.ts';

export type Bar = { id: string; label: string; value: Spread };

export function barChart(title: string, unit: string, bars: Bar[]): string {
  const rowHeight = 26;
  const left = 270;
  const plotWidth = 460;
  const top = 40;
  const height = top + bars.length * rowHeight + 40;
  const max = niceMax(Math.max(...bars.map((b) => b.value.max), 1));
  const x = (value: number) => left + (value / max) * plotWidth;
  const body: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const value = (max * i) / 4;
    body.push(line(x(value), top - 4, x(value), top + bars.length * rowHeight, '#e9ecef'));
    body.push(text(x(value), top + bars.length * rowHeight + 16, short(value), 'text-anchor="middle" fill="#495057"'));
  }
  bars.forEach((bar, i) => {
    const y = top + i * rowHeight;
    const colour = familyColour[familyOf(bar.id)] ?? '#495057';
    body.push(text(left - 8, y + 16, bar.label, 'text-anchor="end"'));
    body.push(`<rect x="${left}" y="${y + 4}" width="${Math.max(1, x(bar.value.median) - left).toFixed(1)}" height="${rowHeight - 8}" fill="${colour}" opacity="0.85"/>`);
    if (bar.value.runs > 1) {
      const mid = y + rowHeight / 2;
      body.push(line(x(bar.value.min), mid, x(bar.value.max), mid, '#212529', 'stroke-width="1.5"'));
      body.push(line(x(bar.value.min), mid - 5, x(bar.value.min), mid + 5, '#212529'));
      body.push(line(x(bar.value.max), mid - 5, x(bar.value.max), mid + 5, '#212529'));
    }
    body.push(text(Math.max(x(bar.value.median), x(bar.value.max)) + 6, y + 16, Math.round(bar.value.median).toLocaleString('en-US'), 'fill="#212529"'));
  });
  body.push(text(left + plotWidth / 2, height - 8, `${unit}; bar = median, whisker = min–max over runs`, 'text-anchor="middle" fill="#495057"'));
  return document(left + plotWidth + 90, height, title, body);
}
