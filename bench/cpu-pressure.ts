/**
 * How contended the CPUs were during a measurement, from Linux's pressure stall information
 * (/proc/pressure/cpu, "some" line): the share of wall time in which at least one runnable
 * task waited for a CPU. On a shared 2-vCPU VM a W3 run's p99 follows this more than it
 * follows the system under test, so each latency run records it beside its samples.
 * Reading it costs nothing the run can see; without PSI (older kernels, macOS) it is absent.
 */
import { readFileSync } from 'node:fs';
import { nowMs } from './payload.ts';

export type PressureMark = { atMs: number; someUs: number } | undefined;

export function markPressure(): PressureMark {
  try {
    const line = readFileSync('/proc/pressure/cpu', 'utf8').split('\n').find((l) => l.startsWith('some '));
    const total = /total=(\d+)/.exec(line ?? '')?.[1];
    return total === undefined ? undefined : { atMs: nowMs(), someUs: Number(total) };
  } catch {
    return undefined; // no PSI here: the column shows "–"
  }
}

/** Percent of the wall time between two marks in which some task waited for a CPU. */
export function pressurePct(from: PressureMark, to: PressureMark): number | undefined {
  if (from === undefined || to === undefined || to.atMs <= from.atMs) return undefined;
  return (100 * (to.someUs - from.someUs)) / 1000 / (to.atMs - from.atMs);
}
