/**
 * The producer's offline bound. While Redis is unreachable, ioredis keeps every command in
 * memory until it reconnects, so a producer that goes on sending through an outage grows
 * without end. This counts the messages each connection has in flight and, while the
 * connection is not ready, refuses new ones past maxPendingSends. Touches no key.
 */
import type { Redis } from 'ioredis';
import type { AppContext } from '../shared/app-config.ts';
import { SendBufferFullError } from '../shared/errors.ts';

/** Messages sent and not yet answered, per connection (a closed connection's count goes with it). */
const inFlight = new WeakMap<Redis, number>();

/**
 * Runs `write`, counting `messages` as in flight until it settles. While Redis answers, no
 * send is refused: the count only matters once commands start to pile up offline.
 */
export async function withPendingSends<T>(app: AppContext, redis: Redis, messages: number, write: () => Promise<T>): Promise<T> {
  holdPendingSends(app, redis, messages);
  try {
    return await write();
  } finally {
    releasePendingSends(redis, messages);
  }
}

/**
 * withPendingSends in two halves, for the single send's path, which then needs no closure
 * and no extra promise: count `messages` in (or throw SendBufferFullError) ...
 */
export function holdPendingSends(app: AppContext, redis: Redis, messages: number): void {
  const pending = inFlight.get(redis) ?? 0;
  const max = app.config.maxPendingSends;
  if (redis.status !== 'ready' && pending + messages > max) throw new SendBufferFullError(pending, max);
  inFlight.set(redis, pending + messages);
}

/** ... and count them out once the write has settled, whichever way. */
export function releasePendingSends(redis: Redis, messages: number): void {
  inFlight.set(redis, (inFlight.get(redis) ?? messages) - messages);
}
