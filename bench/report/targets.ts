/**
 * Issue 6's targets for hardq reliable mode with results stored, checked against the same
 * run: W2 and W1 as ratios to BullMQ, Bee-Queue and the raw ceilings, W3 against raw BRPOP,
 * W4 as absolute bounds. W2 uses the N = 100,000 runs when there are any, else N.
 */
import type { Summary, SystemSummary } from './summary.ts';

export type TargetCheck = { target: string; measured: string; met: boolean | undefined };

const find = (summary: Summary, id: string): SystemSummary | undefined => summary.systems.find((s) => s.id === id);
const round = (value: number, digits = 2) => value.toFixed(digits);

function ratio(target: string, ours: number | undefined, theirs: number | undefined, atLeast: number, unit = '×'): TargetCheck {
  if (ours === undefined || theirs === undefined || !Number.isFinite(ours) || !Number.isFinite(theirs)) {
    return { target, measured: 'not measured in this run', met: undefined };
  }
  const value = ours / theirs;
  const shown = unit === '%' ? `${Math.round(value * 100)} %` : `${round(value)}×`;
  return { target, measured: `${shown} (${Math.round(ours).toLocaleString('en-US')} vs ${Math.round(theirs).toLocaleString('en-US')})`, met: value >= atLeast };
}

function bound(target: string, value: number | undefined, atMost: number, unit: string, digits = 2): TargetCheck {
  if (value === undefined || !Number.isFinite(value)) return { target, measured: 'not measured in this run', met: undefined };
  return { target, measured: `${round(value, digits)} ${unit}`, met: value <= atMost };
}

export function checkTargets(summary: Summary): TargetCheck[] {
  const hardq = find(summary, 'hardq-reliable');
  const bullmq = find(summary, 'bullmq');
  const bee = find(summary, 'bee');
  const rawBatched = find(summary, 'raw-batched');
  const rawBrpop = find(summary, 'raw-brpop');
  const useBig = hardq?.big !== undefined;
  const w2 = (s: SystemSummary | undefined) => (useBig ? s?.big?.w2FirstLast.median : s?.w2FirstLast?.median);
  const at = useBig ? `N=${hardq!.big!.n.toLocaleString('en-US')}` : 'N of this run';
  const w4 = hardq?.w4;
  return [
    ratio(`W2 first→last (${at}) ≥ 2.5× BullMQ`, w2(hardq), w2(bullmq), 2.5),
    ratio(`W2 first→last (${at}) ≥ 2× Bee-Queue`, w2(hardq), w2(bee), 2),
    ratio(`W2 first→last (${at}) ≥ 50 % of the raw batched drain`, w2(hardq), w2(rawBatched), 0.5, '%'),
    ratio('W1 bulk enqueue ≥ 3× BullMQ', hardq?.w1?.median, bullmq?.w1?.median, 3),
    ratio('W1 bulk enqueue ≥ 50 % of raw pipelined LPUSH', hardq?.w1?.median, rawBrpop?.w1?.median, 0.5, '%'),
    hardq?.w3 && rawBrpop?.w3
      ? {
          target: 'W3 p50 ≤ 1.5× raw BRPOP',
          measured: `${round(hardq.w3.p50.median / rawBrpop.w3.p50.median)}× (${round(hardq.w3.p50.median, 3)} vs ${round(rawBrpop.w3.p50.median, 3)} ms)`,
          met: hardq.w3.p50.median <= 1.5 * rawBrpop.w3.p50.median,
        }
      : { target: 'W3 p50 ≤ 1.5× raw BRPOP', measured: 'not measured in this run', met: undefined },
    bound('W3 p99 ≤ 1 ms', hardq?.w3?.p99.median, 1, 'ms', 3),
    bound('W4 ≤ 6 Redis calls per job (server-side, Lua included)', w4 ? w4.callsEnqueue + w4.callsDrain : undefined, 6, 'calls/job'),
    bound('W4 ≤ 250 B per queued job', w4?.memoryPerJob, 250, 'B', 0),
  ];
}
