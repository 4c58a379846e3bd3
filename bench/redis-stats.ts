/**
 * What the harness reads from Redis itself: INFO snapshots and their deltas (W4), and the
 * reset between systems. Commands inside Lua scripts count in commandstats like any other
 * (anchors.md §0, caveat 4), so calls per job here are server-side totals.
 */
import type { Redis } from 'ioredis';

/** The harness's own commands, left out of every count (as in the anchors). */
const harnessCommands = new Set(['info', 'config|resetstat', 'dbsize', 'flushall', 'script|flush', 'ping']);

export type Snapshot = {
  usedMemory: number;
  /** used_cpu_user + used_cpu_sys, in µs. */
  cpuUs: number;
  netInBytes: number;
  netOutBytes: number;
  /** Calls per command, harness commands left out. */
  calls: Record<string, number>;
};

export type Delta = Omit<Snapshot, 'usedMemory'> & { totalCalls: number };

export async function snapshot(redis: Redis): Promise<Snapshot> {
  const text = String(await redis.info('memory', 'cpu', 'stats', 'commandstats'));
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  const number = (name: string) => Number(fields.get(name) ?? 0);
  const calls: Record<string, number> = {};
  for (const [name, value] of fields) {
    if (!name.startsWith('cmdstat_')) continue;
    const command = name.slice('cmdstat_'.length);
    if (harnessCommands.has(command)) continue;
    calls[command] = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
  }
  return {
    usedMemory: number('used_memory'),
    cpuUs: (number('used_cpu_user') + number('used_cpu_sys')) * 1e6,
    netInBytes: number('total_net_input_bytes'),
    netOutBytes: number('total_net_output_bytes'),
    calls,
  };
}

export function delta(before: Snapshot, after: Snapshot): Delta {
  const calls: Record<string, number> = {};
  let totalCalls = 0;
  for (const [command, count] of Object.entries(after.calls)) {
    const diff = count - (before.calls[command] ?? 0);
    if (diff > 0) {
      calls[command] = diff;
      totalCalls += diff;
    }
  }
  return {
    cpuUs: after.cpuUs - before.cpuUs,
    netInBytes: after.netInBytes - before.netInBytes,
    netOutBytes: after.netOutBytes - before.netOutBytes,
    calls,
    totalCalls,
  };
}

/** Empties every database and zeroes the counters, so each system starts alike. */
export async function resetServer(redis: Redis): Promise<void> {
  await redis.flushall();
  await redis.script('FLUSH');
  await redis.config('RESETSTAT');
}
