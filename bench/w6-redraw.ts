/**
 * Redraws W6's chart and table from saved results, without running anything:
 *   npx tsx bench/w6-redraw.ts bench/reference/w6/<timestamp>.json [more.json ...] [--out DIR]
 * Several files are pooled (their runs become one median), so a quiet re-run can be added
 * to a reference. Writes DIR/w6-cluster.svg (default: the first file's folder) and prints
 * the markdown table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Results } from './results.ts';
import { w6Chart } from './report/w6-chart.ts';
import { summarizeW6, w6Markdown } from './report/w6-report.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
if (positionals.length === 0) {
  console.error('usage: npx tsx bench/w6-redraw.ts <results.json> [more.json ...] [--out DIR]');
  process.exit(2);
}
const samples = positionals.flatMap((file) => (JSON.parse(readFileSync(file, 'utf8')) as Results).w6 ?? []);
if (samples.length === 0) {
  console.error('w6-redraw: these files hold no W6 samples (run npm run bench -- --workloads w6)');
  process.exit(1);
}
const outDir = values.out ?? dirname(positionals[0]!);
writeFileSync(join(outDir, 'w6-cluster.svg'), w6Chart(samples[0]!.n, summarizeW6(samples)));
console.log(w6Markdown(samples));
