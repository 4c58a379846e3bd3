/**
 * The connection a consumer blocks on (BLMPOP, BLMOVE), kept apart from the command
 * connection so that acks and results are never stuck behind a blocking pop.
 * `interrupt()` ends a pending pop at once with CLIENT UNBLOCK … TIMEOUT: the pop returns
 * as if it had timed out, so nothing it could have taken is lost, and shutdown does not
 * wait for the block timeout. The client id changes on reconnect, so it is re-read then.
 */
import type { Redis } from 'ioredis';

export class BlockingConnection {
  readonly redis: Redis;
  #clientId: Promise<number> | undefined;

  constructor(redis: Redis) {
    this.redis = redis;
    this.#clientId = this.#readId();
    redis.on('ready', () => {
      this.#clientId = this.#readId();
    });
  }

  #readId(): Promise<number> {
    return this.redis.client('ID') as Promise<number>;
  }

  /** Unblocks a pending pop on this connection, through another connection. */
  async interrupt(via: Redis): Promise<void> {
    const id = await this.#clientId?.catch(() => undefined);
    if (id !== undefined) await via.client('UNBLOCK', id, 'TIMEOUT').catch(() => 0);
  }
}
