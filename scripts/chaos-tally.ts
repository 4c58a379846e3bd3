/**
 * The chaos run's verdict, read from Redis after the consumers have stopped: which sent
 * ids the handler finished (chaosKeys done set), which it finished more than once (runs
 * set), and which sit in the dead-letter list instead.
 */
import type { Redis } from 'ioredis';
import type { Keys } from 'hardq';
import { chaosKeys } from './chaos-app.ts';

export type Tally = {
  sent: number;
  /** Sent ids the handler ran to the end at least once. */
  completed: number;
  /** Sent ids never run to the end, dead-lettered ones included. */
  lost: number;
  /** Of the lost, how many are in the dead-letter list (reliable mode's poison-pill guard). */
  deadLettered: number;
  /** Ids run to the end more than once. */
  duplicated: number;
  /** The most times one id ran to the end. */
  mostRuns: number;
  /** The highest delivery count in a dead-letter entry (0 when none). */
  mostDeadDeliveries: number;
  /** A few lost ids, for a look in the logs. */
  lostSample: string[];
};

/** `tallyRedis`: where the handlers recorded their runs, when not the queue's own Redis (chaos-app.ts). */
export async function tally(redis: Redis, keys: Keys, queue: string, sentIds: string[], tallyRedis: Redis = redis): Promise<Tally> {
  const bookkeeping = chaosKeys(queue);
  const [done, runs, dead] = await Promise.all([
    tallyRedis.smembers(bookkeeping.done),
    tallyRedis.smembers(bookkeeping.runs),
    redis.lrange(keys.dead(queue), 0, -1),
  ]);
  const doneSet = new Set(done);
  const deadIds = new Set<string>();
  let mostDeadDeliveries = 0;
  for (const entry of dead) {
    const parsed = JSON.parse(entry) as { raw: string; deliveries?: number };
    const id = /"id":"([^"]+)"/.exec(parsed.raw)?.[1];
    if (id !== undefined) deadIds.add(id);
    mostDeadDeliveries = Math.max(mostDeadDeliveries, parsed.deliveries ?? 0);
  }
  const lostIds = sentIds.filter((id) => !doneSet.has(id));
  const runsById = new Map<string, number>();
  for (const member of runs) {
    const id = member.slice(0, member.indexOf(' '));
    runsById.set(id, (runsById.get(id) ?? 0) + 1);
  }
  const counts = [...runsById.values()];
  return {
    sent: sentIds.length,
    completed: sentIds.length - lostIds.length,
    lost: lostIds.length,
    deadLettered: lostIds.filter((id) => deadIds.has(id)).length,
    duplicated: counts.filter((n) => n > 1).length,
    mostRuns: counts.reduce((a, b) => Math.max(a, b), 0),
    mostDeadDeliveries,
    lostSample: lostIds.slice(0, 5),
  };
}
