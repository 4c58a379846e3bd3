/**
 * The first connection of a client (one Redis or a Cluster): what went wrong so far, and
 * the wait for its first 'ready'. Before that, errors are only noted: the caller gets one
 * RedisUnavailableError at the end. A certificate problem does not go away by retrying, so
 * `tlsFailure` tells the retry strategy to give up at once.
 */
import type { EventEmitter } from 'node:events';
import { RedisUnavailableError } from './errors.ts';
import { describeTlsError } from './tls.ts';

export class FirstConnection {
  connectedOnce = false;
  tlsFailure = false;
  lastError = 'no answer';
  readonly #startedAt = Date.now();
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** For an 'error' listener: keeps the reason for the final error line. */
  noteError = (error: NodeJS.ErrnoException): void => {
    const tlsReason = describeTlsError(error);
    if (tlsReason !== undefined && !this.connectedOnce) this.tlsFailure = true;
    this.lastError = tlsReason ?? error.code ?? error.message;
  };

  /** For a retry strategy: false once the first connection should give up. */
  mayRetry(): boolean {
    return this.connectedOnce || (!this.tlsFailure && Date.now() - this.#startedAt < this.#timeoutMs);
  }

  /** Connects, and resolves on the first 'ready'; rejects with RedisUnavailableError when the client ends first. */
  wait(client: EventEmitter & { connect(): Promise<void> }, host: string, port: number, advice?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onReady = () => {
        this.connectedOnce = true;
        client.off('end', onEnd);
        resolve();
      };
      const onEnd = () => {
        client.off('ready', onReady);
        const error = new RedisUnavailableError(host, port, this.lastError);
        // Starting a server is no advice for a certificate the client does not trust.
        if (this.tlsFailure) error.message = error.message.replace(/; start one with: .*$/, '');
        else if (advice !== undefined) error.message = error.message.replace(/start one with: .*$/, advice);
        reject(error);
      };
      client.once('ready', onReady);
      client.once('end', onEnd);
      // connect() also rejects on the first failure; the 'end' event above is the real verdict.
      client.connect().catch(() => {});
    });
  }
}
