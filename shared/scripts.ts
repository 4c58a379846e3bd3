/**
 * The Lua scripts in shared/lua/, loaded once per connection with ioredis defineCommand
 * (EVALSHA, with a fallback to EVAL after a SCRIPT FLUSH or a Redis restart), each behind
 * a typed wrapper. Every key reaches a script through KEYS; no script builds a key name.
 */
import { readFileSync } from 'node:fs';
import type { Redis, ChainableCommander } from 'ioredis';

/** Each script with its fixed number of KEYS; `null` means the caller passes the count. */
export const scriptKeyCounts = {
  beat: 2,
  'claim-batch': 3,
  'complete-batch': null,
  'promote-due': 3,
  'rate-limit': 1,
  'revoke-task': 2,
  quarantine: 2,
  'requeue-dead-consumer': 6,
  'requeue-held': 3,
} as const;
export type ScriptName = keyof typeof scriptKeyCounts;

export function scriptSource(name: ScriptName): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}

const commandName = (name: ScriptName) => `hardq_${name.replaceAll('-', '_')}`;
const defined = new WeakSet<Redis>();

/** Registers every script on this connection; cheap and idempotent. */
export function defineScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  for (const [name, keys] of Object.entries(scriptKeyCounts) as [ScriptName, number | null][]) {
    redis.defineCommand(commandName(name), keys === null ? { lua: scriptSource(name) } : { numberOfKeys: keys, lua: scriptSource(name) });
  }
  defined.add(redis);
}

type Callable = Record<string, (...args: (string | number)[]) => Promise<unknown>>;
function call(redis: Redis | ChainableCommander, name: ScriptName, args: (string | number)[]): Promise<unknown> {
  return (redis as unknown as Callable)[commandName(name)]!(...args);
}

/** beat.lua: 1 beaten, 2 beaten after it had expired, 0 refused (another live process uses this consumer id). */
export async function beat(
  redis: Redis,
  keys: { heartbeat: string; consumers: string },
  args: { consumerId: string; token: string; value: string; ttlMs: number; first: boolean; keepMs: number },
): Promise<0 | 1 | 2> {
  return (await call(redis, 'beat', [
    keys.heartbeat, keys.consumers, args.consumerId, args.token, args.value, args.ttlMs, args.first ? 'first' : 'renew', args.keepMs,
  ])) as 0 | 1 | 2;
}

/** claim-batch.lua: up to `max` messages from ready into processing, oldest first; revoked ones dropped. */
export function claimBatch(redis: Redis, keys: { ready: string; processing: string; revoked: string }, max: number): Promise<string[]> {
  return call(redis, 'claim-batch', [keys.ready, keys.processing, keys.revoked, max]) as Promise<string[]>;
}

/** promote-due.lua: moves up to `limit` due messages to ready; returns how many were due. */
export function promoteDue(redis: Redis, keys: { scheduled: string; ready: string; revoked: string }, nowMs: number, limit: number): Promise<number> {
  return call(redis, 'promote-due', [keys.scheduled, keys.ready, keys.revoked, nowMs, limit]) as Promise<number>;
}

/** rate-limit.lua: `reserved` true means start after `waitMs`; false means ask again after `waitMs`. */
export async function reserveRateSlot(redis: Redis, key: string, spacingMs: number, maxWaitMs: number): Promise<{ waitMs: number; reserved: boolean }> {
  const [waitMs, reserved] = (await call(redis, 'rate-limit', [key, spacingMs, maxWaitMs])) as [number, number];
  return { waitMs, reserved: reserved === 1 };
}

/** One message's part of a complete-batch call. `announce`: PUBLISH its id (a final state). */
export type CompletionRow = {
  raw: string;
  resultKey?: string;
  result?: string;
  announce?: boolean;
  dead?: string;
  id?: string;
  /** A message to ZADD to the scheduled set (a retry), with its due time in epoch ms. */
  schedule?: { atMs: number; raw: string };
};

/** complete-batch.lua: write results and dead letters, then LREM the messages; returns how many were still held. */
export function completeBatch(
  redis: Redis,
  keys: { processing: string; quarantine: string; dead: string; scheduled: string; channel: string },
  rows: CompletionRow[],
  resultTtlMs: number,
  deadLimit: number,
): Promise<number> {
  const resultKeys: string[] = [];
  const ids: string[] = [];
  const perMessage: (string | number)[] = [];
  for (const row of rows) {
    let index = 0;
    if (row.resultKey !== undefined && row.result !== undefined) {
      resultKeys.push(row.resultKey);
      index = 4 + resultKeys.length;
      if (row.id !== undefined && row.announce !== false) ids.push(row.id);
    }
    perMessage.push(row.raw, index, row.result ?? '', row.dead ?? '', row.schedule?.atMs ?? '', row.schedule?.raw ?? '');
  }
  const keyList = [keys.processing, keys.quarantine, keys.dead, keys.scheduled, ...resultKeys];
  return call(redis, 'complete-batch', [
    keyList.length, ...keyList, resultTtlMs, keys.channel, ids.join(','), deadLimit, ...perMessage,
  ]) as Promise<number>;
}

/** quarantine.lua: 1 moved, 0 quarantine busy, -1 no longer held. */
export function quarantine(redis: Redis, processing: string, quarantineKey: string, raw: string): Promise<number> {
  return call(redis, 'quarantine', [processing, quarantineKey, raw]) as Promise<number>;
}

/** requeue-dead-consumer.lua: `null` when the consumer is alive. */
export async function requeueDeadConsumer(
  redis: Redis,
  keys: { heartbeat: string; processing: string; quarantine: string; ready: string; dead: string; consumers: string },
  args: { consumerId: string; maxDeliveries: number; nowMs: number; queue: string; deadLimit: number; runsAloneFrom: number },
): Promise<{ requeued: number; deadLettered: string[] } | null> {
  const reply = (await call(redis, 'requeue-dead-consumer', [
    keys.heartbeat, keys.processing, keys.quarantine, keys.ready, keys.dead, keys.consumers,
    args.consumerId, args.maxDeliveries, args.nowMs, args.queue, args.deadLimit, args.runsAloneFrom,
  ])) as [number, ...string[]];
  if (reply[0] === -1) return null;
  const [requeued, ...deadLettered] = reply;
  return { requeued, deadLettered };
}

/** requeue-held.lua: back to the consuming end, first to run last pushed; returns how many were still held. */
export function requeueHeld(redis: Redis, keys: { processing: string; quarantine: string; ready: string }, raws: string[]): Promise<number> {
  return call(redis, 'requeue-held', [keys.processing, keys.quarantine, keys.ready, ...raws]) as Promise<number>;
}

/** revoke-task.lua: true if the task had not finished and is now REVOKED. */
export async function revokeTask(
  redis: Redis,
  keys: { revoked: string; result: string; channel: string },
  args: { id: string; nowMs: number; rememberMs: number; record: string; resultTtlMs: number },
): Promise<boolean> {
  const reply = await call(redis, 'revoke-task', [keys.revoked, keys.result, args.id, args.nowMs, args.rememberMs, args.record, args.resultTtlMs, keys.channel]);
  return reply === 1;
}
