/**
 * The known-queues set (keys.queues, under {control}) from the producer's side: the first
 * send to a queue, per app and process, also SADDs the queue's name. A separate command,
 * never in the send's MULTI: the set lives in another slot than the queue. Cheap: one SADD
 * per queue per process. A failed SADD (an ACL without it, say) is logged once and tried
 * again at the next send; it never fails the send, whose message is already on its list.
 */
import type { Redis } from 'ioredis';
import type { AppContext } from '../shared/app-config.ts';

const noted = new WeakMap<AppContext, Set<string>>();
const warned = new WeakSet<AppContext>();

/**
 * SADDs the queues this app has not noted yet in this process; resolves when done, never
 * rejects. Returns undefined when every queue is noted already, the case of nearly every
 * send: no promise, no array, as this runs once per single send (W1 single, issue 17).
 */
export function noteQueues(app: AppContext, redis: Redis, queues: Iterable<string>): Promise<void> | undefined {
  const seen = noted.get(app);
  if (seen !== undefined && everyNoted(seen, queues)) return undefined;
  return addQueues(app, redis, queues);
}

function everyNoted(seen: Set<string>, queues: Iterable<string>): boolean {
  for (const queue of queues) if (!seen.has(queue)) return false;
  return true;
}

async function addQueues(app: AppContext, redis: Redis, queues: Iterable<string>): Promise<void> {
  let seen = noted.get(app);
  if (seen === undefined) noted.set(app, (seen = new Set()));
  const fresh = [...new Set(queues)].filter((queue) => !seen.has(queue));
  if (fresh.length === 0) return;
  for (const queue of fresh) seen.add(queue);
  try {
    await redis.sadd(app.keys.queues(), ...fresh);
  } catch (error) {
    for (const queue of fresh) seen.delete(queue);
    if (!warned.has(app)) app.config.log(`[hardq] could not add ${fresh.join(', ')} to the known-queues set (${(error as Error).message}); hardq queues may miss them until hardq queues --scan`);
    warned.add(app);
  }
}
