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

/**
 * Issue 17's targets that the harness checks in one run: W3 against the plain-node BRPOP
 * loop and below every peer, start-up (compiled) against Bee-Queue's, W1 single against a
 * bare LPUSH. W2 and the CPU rows are read from the W2/W4 tables above.
 */
export function checkIssue17Targets(summary: Summary): TargetCheck[] {
  const hardq = find(summary, 'hardq-reliable');
  const plain = find(summary, 'raw-plain');
  const rawBrpop = find(summary, 'raw-brpop');
  const compiledStart = (s: SystemSummary | undefined) => s?.startup?.find((x) => x.runtime === 'compiled')?.firstMs.median;
  const w3Ratio = (target: string, pick: 'p50' | 'p99', atMost: number): TargetCheck => {
    const ours = hardq?.w3?.[pick].median;
    const floor = plain?.w3?.[pick].median;
    if (ours === undefined || floor === undefined) return { target, measured: 'not measured in this run', met: undefined };
    return { target, measured: `${round(ours / floor)}× (${round(ours, 3)} vs ${round(floor, 3)} ms)`, met: ours <= atMost * floor };
  };
  const peers = summary.systems.filter((s) => ['bullmq', 'bee', 'celery-threads', 'celery-prefork'].includes(s.id) && s.w3);
  const lowestPeer = peers.reduce<SystemSummary | undefined>((low, s) => (low === undefined || s.w3!.p99.median < low.w3!.p99.median ? s : low), undefined);
  const beeStart = compiledStart(find(summary, 'bee'));
  const ourStart = compiledStart(hardq);
  const useBig = hardq?.big !== undefined;
  const w2 = (s: SystemSummary | undefined) => (useBig ? s?.big?.w2FirstLast.median : s?.w2FirstLast?.median);
  const at = useBig ? `N=${hardq!.big!.n.toLocaleString('en-US')}` : 'N of this run';
  return [
    ratio(`W2 first→last (${at}) ≥ 75 % of the raw batched drain, ack by number`, w2(hardq), w2(find(summary, 'raw-batched-number')), 0.75, '%'),
    ratio(`W2 first→last (${at}) ≥ 4× BullMQ`, w2(hardq), w2(find(summary, 'bullmq')), 4),
    ratio(`W2 first→last (${at}) ≥ 4× Bee-Queue`, w2(hardq), w2(find(summary, 'bee')), 4),
    // At N = 100,000 when there are such runs, as W2: the steady state, not the first second's compiling.
    bound(`worker CPU per job (W4, ${at}) ≤ 15 µs`, useBig ? hardq!.big!.workerCpuUsPerJob.median : hardq?.w4?.workerCpuUsPerJob, 15, 'µs', 1),
    bound(`Redis CPU per job, drain (W4, ${at}) ≤ 8 µs`, useBig ? hardq!.big!.redisCpuUsDrain.median : hardq?.w4?.redisCpuUsDrain, 8, 'µs', 1),
    w3Ratio('W3 p50 ≤ 1.25× the plain-node BRPOP loop', 'p50', 1.25),
    w3Ratio('W3 p99 ≤ 1.5× the plain-node BRPOP loop', 'p99', 1.5),
    hardq?.w3 && lowestPeer
      ? { target: 'W3 p99 below every peer', measured: `${round(hardq.w3.p99.median, 3)} ms vs ${round(lowestPeer.w3!.p99.median, 3)} ms (${lowestPeer.label})`, met: hardq.w3.p99.median < lowestPeer.w3!.p99.median }
      : { target: 'W3 p99 below every peer', measured: 'not measured in this run', met: undefined },
    ourStart !== undefined && beeStart !== undefined
      ? { target: 'spawn → first job, compiled, ≤ Bee-Queue + 10 %', measured: `${Math.round(ourStart)} vs ${Math.round(beeStart)} ms (${round(ourStart / beeStart)}×)`, met: ourStart <= 1.1 * beeStart }
      : { target: 'spawn → first job, compiled, ≤ Bee-Queue + 10 %', measured: 'not measured in this run', met: undefined },
    ratio('W1 single awaited send ≥ 0.95× a bare LPUSH', hardq?.w1Single?.median, rawBrpop?.w1Single?.median, 0.95),
  ];
}
