/**
 * The first connection of a client (one Redis or a Cluster): what went wrong so far, and
 * the wait for its first 'ready'. Before that, errors are only noted: the caller gets one
 * error at the end. A certificate problem or a refused permission (NOPERM) does not go away
 * by retrying, so `mayRetry` tells the retry strategy to give up at once, and that reason
 * is kept over the generic errors that follow it ("Connection is closed.").
 */
import type { EventEmitter } from 'node:events';
import { RedisPermissionError, RedisUnavailableError, type HardqError } from './errors.ts';
import { describeTlsError } from './tls.ts';

export class FirstConnection {
  connectedOnce = false;
  tlsFailure = false;
  lastError = 'no answer';
  /** The NOPERM reply that refused a command the connection needs, before the first ready. */
  permissionDenied: string | undefined;
  readonly #startedAt = Date.now();
  readonly #timeoutMs: number;
  readonly #username: string;

  constructor(timeoutMs: number, username?: string) {
    this.#timeoutMs = timeoutMs;
    this.#username = username || 'default';
  }

  /** For an 'error' listener: keeps the reason for the final error line. */
  noteError = (error: NodeJS.ErrnoException): void => {
    if (!this.connectedOnce && (this.tlsFailure || this.permissionDenied !== undefined)) return;
    const tlsReason = describeTlsError(error);
    if (tlsReason !== undefined && !this.connectedOnce) this.tlsFailure = true;
    if (!this.connectedOnce && /^NOPERM/.test(error.message ?? '')) this.permissionDenied = error.message;
    this.lastError = tlsReason ?? error.code ?? error.message;
  };

  /** For a retry strategy: false once the first connection should give up. */
  mayRetry(): boolean {
    if (this.connectedOnce) return true;
    return !this.tlsFailure && this.permissionDenied === undefined && Date.now() - this.#startedAt < this.#timeoutMs;
  }

  /** The error the first connection ends with, from what was noted so far. */
  failure(host: string, port: number, advice?: string): HardqError {
    if (this.permissionDenied !== undefined) return new RedisPermissionError(host, port, this.#username, this.permissionDenied);
    const error = new RedisUnavailableError(host, port, this.lastError);
    // Starting a server is no advice for a certificate the client does not trust.
    if (this.tlsFailure) error.message = error.message.replace(/; start one with: .*$/, '');
    else if (advice !== undefined) error.message = error.message.replace(/start one with: .*$/, advice);
    return error;
  }

  /** Connects, and resolves on the first 'ready'; rejects with failure() when the client ends first. */
  wait(client: EventEmitter & { connect(): Promise<void> }, host: string, port: number, advice?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onReady = () => {
        this.connectedOnce = true;
        client.off('end', onEnd);
        resolve();
      };
      const onEnd = () => {
        client.off('ready', onReady);
        reject(this.failure(host, port, advice));
      };
      client.once('ready', onReady);
      client.once('end', onEnd);
      // connect() also rejects on the first failure; the 'end' event above is the real verdict.
      client.connect().catch(() => {});
    });
  }
}
