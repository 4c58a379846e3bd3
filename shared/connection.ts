/**
 * Opening Redis connections, with the behaviours a queue needs and ioredis does not give
 * by default:
 * 1. the first connection is bounded (connectTimeoutMs, default 5 s; 0 means one try), then
 *    rejects with RedisUnavailableError and its one readable line;
 * 2. after that, a lost connection is retried forever with backoff, and commands wait for
 *    it instead of failing (maxRetriesPerRequest: null);
 * 3. an outage is logged once per Redis address and process, however many connections
 *    lose it: one numbered line when it starts, one when the last connection is back.
 *    Threads (the heartbeat's) stay quiet: the main thread's connections see the same outage;
 * 4. TLS from a rediss:// URL or the `tls` option; a certificate the client cannot trust
 *    fails the first connection at once, with one line that says so (shared/tls.ts);
 * 5. ioredis's ready check stays on: after a Redis restart it waits until Redis has read its
 *    file (LOADING) before sending anything. Turned off, a MULTI sent meanwhile is discarded
 *    (EXECABORT), and a handler's own writes failed under the chaos run's restart. It sends
 *    INFO, so every ACL role grants `info` (admin/acl.ts);
 * 6. a `redis-cluster://` URL (shared/cluster-url.ts) opens an ioredis Cluster client
 *    instead (shared/cluster-connection.ts), returned through the same command interface.
 */
import { isMainThread } from 'node:worker_threads';
import { Redis } from 'ioredis';
import type { ResolvedTls } from './tls.ts';
import { FirstConnection } from './first-connection.ts';
import { isClusterUrl } from './cluster-url.ts';
import { connectCluster } from './cluster-connection.ts';
import { crossSlotReportPath, guardCrossSlot } from './cross-slot-guard.ts';

export type ConnectOptions = {
  /** How long to keep trying before the first successful connection, in ms; 0 tries once. @default 5000 */
  connectTimeoutMs?: number;
  /** Called with the outage lines (lost, back) after the first connection. @default console.error */
  log?: (line: string) => void;
  /** Names the connection in CLIENT LIST. */
  name?: string;
  /** TLS settings (PEM already read, shared/tls.ts); turns TLS on even for a redis:// URL. */
  tls?: ResolvedTls;
  /** A cluster connection that will SSUBSCRIBE: routes each channel to its slot's node. */
  shardedSubscribers?: boolean;
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

/** One outage of one Redis address: opened by the first connection to lose it, closed by the last to come back. */
type Outage = { number: number; sinceMs: number; down: Set<Redis>; attempts: number };
const outages = new Map<string, Outage>();
let outagesSoFar = 0;

const quiet = () => {};

function markDown(address: string, redis: Redis, reason: string, log: (line: string) => void): void {
  let outage = outages.get(address);
  if (outage === undefined) {
    outage = { number: ++outagesSoFar, sinceMs: Date.now(), down: new Set(), attempts: 0 };
    outages.set(address, outage);
    log(`[hardq] lost Redis at ${address} (${reason}); reconnecting, commands wait (outage ${outage.number})`);
  }
  outage.down.add(redis);
  outage.attempts++;
}

function markUp(address: string, redis: Redis, log: (line: string) => void, closed = false): void {
  const outage = outages.get(address);
  if (outage === undefined || !outage.down.delete(redis) || outage.down.size > 0) return;
  outages.delete(address);
  // A connection closed on purpose during the outage is not a recovery: say nothing.
  if (closed) return;
  const seconds = ((Date.now() - outage.sinceMs) / 1000).toFixed(1);
  log(`[hardq] Redis at ${address} is back after ${seconds} s (outage ${outage.number}, ${outage.attempts} reconnect attempt(s))`);
}

/**
 * Opens one connection and resolves once it is ready, or rejects with RedisUnavailableError.
 * For a redis-cluster:// URL it is a Cluster client: its commands are Redis's, so it is
 * typed as one, and the few places that must know ask isCluster() (cluster-connection.ts).
 */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<Redis> {
  const { connectTimeoutMs = 5000, name, tls } = options;
  const log = isMainThread ? options.log ?? ((line: string) => console.error(line)) : quiet;
  const connection = isClusterUrl(url)
    ? (await connectCluster(url, { connectTimeoutMs, log, name, tls, shardedSubscribers: options.shardedSubscribers })) as unknown as Redis
    : await connectOne(url, { connectTimeoutMs, log, name, tls });
  const report = crossSlotReportPath();
  if (report !== undefined) guardCrossSlot(connection, report, name);
  return connection;
}

async function connectOne(url: string, options: { connectTimeoutMs: number; log: (line: string) => void; name?: string; tls?: ResolvedTls }): Promise<Redis> {
  const { connectTimeoutMs, name, tls, log } = options;
  const { host, port } = describeUrl(url);
  const address = `${host}:${port}`;
  const first = new FirstConnection(connectTimeoutMs, URL.canParse(url) ? decodeURIComponent(new URL(url).username) : undefined);

  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    ...(tls === undefined ? {} : { tls: { ...tls } }),
    // The ready check (INFO) waits out LOADING after a restart, for every command at once,
    // MULTIs included; the reconnect on a LOADING reply covers a server that starts loading
    // while we are connected (a replica resyncing).
    enableReadyCheck: true,
    reconnectOnError: (error) => (error.message.startsWith('LOADING') ? 2 : false),
    // Commands wait through a reconnect instead of failing: an ack must not be dropped
    // because Redis restarted (docs/RELIABILITY.md). Callers that need a bound set their own.
    maxRetriesPerRequest: null,
    // One attempt's bound: even a single try (connectTimeoutMs 0) gives a slow network 1 s.
    connectTimeout: Math.max(1000, Math.min(connectTimeoutMs, 10_000)),
    retryStrategy: (times) => (first.mayRetry() ? Math.min(100 * 2 ** Math.min(times, 5), 2000) : null),
  });

  // Before the first connection we stay quiet: the caller gets one error at the end.
  redis.on('error', first.noteError);
  await first.wait(redis, host, port);
  first.lastError = 'connection closed';
  redis.on('reconnecting', () => markDown(address, redis, first.lastError, log));
  redis.on('ready', () => {
    first.lastError = 'connection closed';
    markUp(address, redis, log);
  });
  redis.on('end', () => markUp(address, redis, log, true));
  return redis;
}
