/**
 * What the events tests compare: result records counted by state (SCAN of the queues'
 * result keys), the counters summed by state (admin/counters.ts), and the final-state events
 * counted by type (admin/events.ts), for a set of queues of one app.
 */
import type { Redis } from 'ioredis';
import { counterTotals, readEvents, sumBy, type App } from 'hardq';

export type Tally = { records: Record<string, number>; counters: Record<string, number>; events: Record<string, number> };

export async function tallyQueues(app: App, raw: Redis, queues: string[]): Promise<Tally> {
  const records: Record<string, number> = {};
  for (const queue of queues) {
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', app.keys.result(queue, '*'), 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      for (const value of await raw.mget(keys)) {
        const state = (JSON.parse(value ?? '{}') as { state?: string }).state ?? 'none';
        records[state] = (records[state] ?? 0) + 1;
      }
    } while (cursor !== '0');
  }
  const counters = sumBy(await counterTotals(app, { queues }), 'state');
  const events: Record<string, number> = {};
  for (const record of await readEvents(app, { queues, workers: false, count: 1_000_000 })) events[record.type] = (events[record.type] ?? 0) + 1;
  return { records, counters, events };
}
