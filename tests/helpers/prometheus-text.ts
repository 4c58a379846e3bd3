/**
 * A strict reader of the Prometheus text format (0.0.4), for tests of /metrics: every line
 * is a HELP, a TYPE or a sample; names and labels are checked; each sample belongs to the
 * family whose TYPE came before it; no series appears twice. It throws on the first fault.
 */
export type Series = { name: string; labels: Record<string, string>; value: number };

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = /^([^=]+)="((?:[^"\\]|\\["\\n])*)"(,|$)/.exec(rest);
    if (!match) throw new Error(`bad labels in: ${line}`);
    const [whole, name, raw] = match;
    if (!labelName.test(name!)) throw new Error(`bad label name ${name} in: ${line}`);
    if (name! in labels) throw new Error(`label ${name} twice in: ${line}`);
    labels[name!] = raw!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
  }
  return labels;
}

function parseValue(text: string, line: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${text} in: ${line}`);
  return Number(text);
}

export function parsePrometheusText(text: string): { types: Map<string, string>; series: Series[] } {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const types = new Map<string, string>();
  const series: Series[] = [];
  const seen = new Set<string>();
  let current: string | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      const name = line.slice(7).split(' ')[0]!;
      if (!metricName.test(name)) throw new Error(`bad HELP name in: ${line}`);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (!metricName.test(name!) || !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type!)) throw new Error(`bad TYPE line: ${line}`);
      if (types.has(name!)) throw new Error(`family ${name} declared twice`);
      types.set(name!, type!);
      current = name;
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') throw new Error(`unexpected line: ${JSON.stringify(line)}`);
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!match) throw new Error(`bad sample line: ${line}`);
    const [, name, labelText, valueText] = match;
    const family = [...types.keys()].find((family) => name === family || (types.get(family) === 'histogram' && /^(.*)_(bucket|sum|count)$/.exec(name!)?.[1] === family));
    if (family === undefined || family !== current) throw new Error(`sample ${name} outside its family's block`);
    const labels = parseLabels(labelText ?? '', line);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`series twice: ${line}`);
    seen.add(key);
    series.push({ name: name!, labels, value: parseValue(valueText!, line) });
  }
  return { types, series };
}

/** The value of one series, or undefined. */
export function valueOf(series: Series[], name: string, labels: Record<string, string> = {}): number | undefined {
  return series.find((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))?.value;
}
