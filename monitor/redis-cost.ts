/**
 * What the work costs Redis, from INFO: commands processed, CPU time and network bytes are
 * cumulative counters there, so two readings a tick apart give the cost of that tick; divided
 * by the tasks finished in it, the cost per job. Reads INFO stats and INFO cpu (no key).
 */
import type { Redis } from 'ioredis';

export type RedisTotals = {
  /** total_commands_processed. */
  calls: number;
  /** used_cpu_user + used_cpu_sys, in µs. */
  cpuUs: number;
  /** total_net_input_bytes + total_net_output_bytes. */
  netBytes: number;
  /** used_memory. */
  memoryBytes: number;
  /** When Redis read them (INFO server's uptime clock is too coarse): epoch ms from TIME, when asked. */
  atMs?: number;
};

export type RedisCost = { calls: number; cpuUs: number; netBytes: number };

/** The fields of an INFO reply, by name. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

export function totalsOf(fields: Map<string, string>): RedisTotals {
  const number = (name: string) => Number(fields.get(name) ?? 0);
  return {
    calls: number('total_commands_processed'),
    cpuUs: Math.round((number('used_cpu_user') + number('used_cpu_sys')) * 1e6),
    netBytes: number('total_net_input_bytes') + number('total_net_output_bytes'),
    memoryBytes: number('used_memory'),
  };
}

/** The stats, cpu and memory sections (summed over a Cluster's masters), and Redis's clock. */
export async function readRedisTotals(redis: Redis): Promise<RedisTotals> {
  // A Cluster client has nodes(): its cost is every master's; a plain client is its own only node.
  const clusterNodes = (redis as unknown as { nodes?: (role: string) => Redis[] }).nodes;
  const nodes = typeof clusterNodes === 'function' ? clusterNodes.call(redis, 'master') : [redis];
  const [infos, [seconds, micros]] = await Promise.all([Promise.all(nodes.map((node) => node.info('stats', 'cpu', 'memory'))), redis.time()]);
  const sum = infos.map((info) => totalsOf(parseInfo(info))).reduce((a, b) => ({
    calls: a.calls + b.calls, cpuUs: a.cpuUs + b.cpuUs, netBytes: a.netBytes + b.netBytes, memoryBytes: a.memoryBytes + b.memoryBytes,
  }));
  return { ...sum, atMs: Number(seconds) * 1000 + Number(micros) / 1000 };
}

/** What happened between two readings; a restarted Redis (counters went back) gives zeros. */
export function costBetween(before: RedisTotals, after: RedisTotals): RedisCost {
  const delta = (name: keyof RedisCost) => Math.max(0, after[name] - before[name]);
  return { calls: delta('calls'), cpuUs: delta('cpuUs'), netBytes: delta('netBytes') };
}

/** The cost per finished job, or undefined when no job finished (no honest ratio). */
export function costPerJob(cost: RedisCost, jobs: number): RedisCost | undefined {
  if (jobs <= 0) return undefined;
  return { calls: cost.calls / jobs, cpuUs: cost.cpuUs / jobs, netBytes: cost.netBytes / jobs };
}
