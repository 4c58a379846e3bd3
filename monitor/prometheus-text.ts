/**
 * The Prometheus text exposition format (version 0.0.4), written by hand: a few families of
 * gauges, counters and one histogram need no registry, no default process metrics and no dependency.
 * Each family is `# HELP`, `# TYPE`, then one line per label set.
 */
export type MetricFamily = {
  name: string;
  type: 'gauge' | 'counter' | 'histogram';
  help: string;
  /** `suffix` names a histogram's series: `_bucket`, `_sum`, `_count`. */
  samples: { labels?: Record<string, string>; value: number; suffix?: string }[];
};

export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export function formatFamilies(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const { labels, value, suffix } of family.samples) {
      const entries = Object.entries(labels ?? {});
      const labelText = entries.length === 0 ? '' : `{${entries.map(([key, text]) => `${key}="${escapeLabel(text)}"`).join(',')}}`;
      lines.push(`${family.name}${suffix ?? ''}${labelText} ${formatValue(value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
