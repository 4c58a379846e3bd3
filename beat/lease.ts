/**
 * The leader lease: one beat at a time does the work, so the others stay idle. It is an
 * optimisation, not the guarantee (enqueue-slot.lua's markers are): two beats that both
 * believe they lead still send each slot once.
 * 1. take it with SET NX PX; 2. renew it every third of the lease with renew-lease.lua
 *    (compare the token, then PEXPIRE); 3. give it back with release-lease.lua on shutdown.
 * Key: beatLeader.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { releaseLease, renewLease } from '../shared/scripts.ts';

export class Lease {
  /** `host:pid:random`: the lease's value, so an operator (and the kill test) can tell who leads. */
  readonly token = `${hostname()}:${process.pid}:${randomUUID()}`;
  readonly #key: string;
  readonly #leaseMs: number;
  /** performance.now() until which we may act as leader; 0 when we do not lead. */
  #validUntil = 0;
  #renewedAt = 0;

  constructor(key: string, leaseMs: number) {
    this.#key = key;
    this.#leaseMs = leaseMs;
  }

  /** True while the lease we last took or renewed has not run out by our own clock. */
  get held(): boolean {
    return performance.now() < this.#validUntil;
  }

  /**
   * Takes the lease, or renews it when a third of it has passed. Returns 'took' when this
   * call made us leader, 'held' while we stay leader, 'lost' when we led and no longer do,
   * 'follower' otherwise.
   */
  async lead(redis: Redis): Promise<'took' | 'held' | 'lost' | 'follower'> {
    // Measured before the call: the lease runs from when Redis may have set it, not from the reply.
    const sentAt = performance.now();
    if (this.#validUntil > 0) {
      if (sentAt - this.#renewedAt < this.#leaseMs / 3 && this.held) return 'held';
      if (await renewLease(redis, this.#key, this.token, this.#leaseMs)) {
        this.#renew(sentAt);
        return 'held';
      }
      this.#validUntil = 0;
      return 'lost';
    }
    if ((await redis.set(this.#key, this.token, 'PX', this.#leaseMs, 'NX')) !== 'OK') return 'follower';
    this.#renew(sentAt);
    return 'took';
  }

  /** Forget the lead without telling Redis (a failed renewal past the lease). */
  drop(): void {
    this.#validUntil = 0;
  }

  /** Gives the lease back if it is still ours; a successor takes it at its next tick instead of after the lease. */
  async release(redis: Redis): Promise<boolean> {
    const wasOurs = this.#validUntil > 0;
    this.#validUntil = 0;
    return wasOurs && releaseLease(redis, this.#key, this.token);
  }

  #renew(sentAt: number): void {
    this.#renewedAt = sentAt;
    this.#validUntil = sentAt + this.#leaseMs;
  }
}
