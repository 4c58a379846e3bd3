/**
 * Opening Redis connections, with the two behaviours a queue needs and ioredis does not
 * give by default:
 * 1. the first connection is bounded (connectTimeoutMs, default 5 s), then rejects with
 *    RedisUnavailableError and its one readable line;
 * 2. after that, a lost connection is retried forever with backoff, logging one line per
 *    attempt, and commands wait for it instead of failing (maxRetriesPerRequest: null).
 */
import { Redis } from 'ioredis';
import { RedisUnavailableError } from './errors.ts';

export type ConnectOptions = {
  /** How long to keep trying before the first successful connection, in ms. @default 5000 */
  connectTimeoutMs?: number;
  /** Called with one line per failed reconnect attempt after the first connection. @default console.error */
  log?: (line: string) => void;
  /** Names the connection in CLIENT LIST and in log lines. */
  name?: string;
};

/** Host and port from a redis:// URL, for the error line. */
export function describeUrl(url: string): { host: string; port: number } {
  try {
    const parsed = new URL(url);
    return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 6379) };
  } catch {
    return { host: url, port: 6379 };
  }
}

/** Opens one connection and resolves once it is ready, or rejects with RedisUnavailableError. */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<Redis> {
  const { connectTimeoutMs = 5000, log = (line: string) => console.error(line), name } = options;
  const { host, port } = describeUrl(url);
  const startedAt = Date.now();
  let connectedOnce = false;
  let lastError = 'no answer';
  let lastLogAt = 0;

  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    // Commands wait through a reconnect instead of failing: an ack must not be dropped
    // because Redis restarted (docs/RELIABILITY.md). Callers that need a bound set their own.
    maxRetriesPerRequest: null,
    connectTimeout: Math.max(200, Math.min(connectTimeoutMs, 10_000)),
    retryStrategy(times) {
      if (!connectedOnce && Date.now() - startedAt >= connectTimeoutMs) return null;
      return Math.min(100 * 2 ** Math.min(times, 5), 2000);
    },
  });

  redis.on('error', (error: NodeJS.ErrnoException) => {
    lastError = error.code ?? error.message;
    // Before the first connection we stay quiet: the caller gets one error at the end.
    // After it, one line per attempt at most once a second, never a stack trace.
    if (connectedOnce && Date.now() - lastLogAt > 1000) {
      lastLogAt = Date.now();
      log(`[hardq] lost Redis at ${host}:${port} (${lastError})${name ? ` on ${name}` : ''}; reconnecting`);
    }
  });

  await new Promise<void>((resolve, reject) => {
    const onReady = () => {
      connectedOnce = true;
      redis.off('end', onEnd);
      resolve();
    };
    const onEnd = () => {
      redis.off('ready', onReady);
      reject(new RedisUnavailableError(host, port, lastError));
    };
    redis.once('ready', onReady);
    redis.once('end', onEnd);
    // connect() also rejects on the first failure; the 'end' event above is the real verdict.
    redis.connect().catch(() => {});
  });
  redis.on('ready', () => {
    if (Date.now() - lastLogAt < 60_000) log(`[hardq] reconnected to Redis at ${host}:${port}${name ? ` on ${name}` : ''}`);
  });
  return redis;
}
