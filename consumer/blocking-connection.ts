/**
 * The connection a consumer blocks on (BLMPOP, BLMOVE), kept apart from the command
 * connection so that acks and results are never stuck behind a blocking pop.
 * `interrupt()` ends a pending pop at once with CLIENT UNBLOCK … TIMEOUT: the pop returns
 * as if it had timed out, so nothing it could have taken is lost, and shutdown does not
 * wait for the block timeout. The client id changes on reconnect, so it is re-read then.
 * CLIENT UNBLOCK is @admin @dangerous, so the worker ACL role (admin/acl.ts) leaves it out:
 * on NOPERM the pop simply ends at its block timeout (at most 2 s). Dropping the connection
 * instead would be faster but is not safe: a BLMPOP reply lost that way loses its messages.
 */
import type { Redis } from 'ioredis';

export class BlockingConnection {
  readonly redis: Redis;
  #clientId: Promise<number | undefined> | undefined;
  /** False once Redis said NOPERM: this user may not unblock, so stop asking. */
  #mayUnblock = true;

  constructor(redis: Redis) {
    this.redis = redis;
    this.#clientId = this.#readId();
    redis.on('ready', () => {
      this.#clientId = this.#readId();
    });
  }

  #readId(): Promise<number | undefined> {
    // A user without CLIENT ID cannot unblock either: the pop then ends at its timeout.
    return (this.redis.client('ID') as Promise<number>).catch(() => undefined);
  }

  /** Unblocks a pending pop on this connection, through another connection. */
  async interrupt(via: Redis): Promise<void> {
    if (!this.#mayUnblock) return;
    const id = await this.#clientId;
    if (id === undefined) return;
    await via.client('UNBLOCK', id, 'TIMEOUT').catch((error: Error) => {
      // NOPERM: the pop ends at its block timeout. Other errors (Redis gone) end it too.
      if (error.message.startsWith('NOPERM')) this.#mayUnblock = false;
      return 0;
    });
  }
}
