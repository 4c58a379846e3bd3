/**
 * The app's configuration and the context that producer and consumer code receive from
 * it: keys, registry, routes and the shared command connection.
 */
import type { Redis } from 'ioredis';
import { InvalidOptionError } from './errors.ts';
import type { Keys } from './keys.ts';
import { checkQueueName } from './options.ts';
import type { TaskRegistry } from './task-registry.ts';
import { resolveTls, type ResolvedTls, type TlsConfig } from './tls.ts';
import { resolveSigning, type ResolvedSigning, type SigningConfig } from './signing.ts';
import { clusterUrl } from './cluster-url.ts';

/** The `redis` option's object form: one Redis (`url`) or a cluster's seed nodes (`cluster`). */
export type RedisTarget = {
  url?: string;
  /** Seed nodes, redis:// or rediss:// URLs (or host:port); every node shares the credentials. */
  cluster?: string[];
  username?: string;
  password?: string;
  /** The same as the app's `tls` option (merged over it). */
  tls?: TlsConfig;
};

/** Maps a task name to a queue: exact names, globs such as `'email.*'`, or a function. */
export type TaskRoutes =
  | { [nameOrGlob: string]: string | { queue: string } }
  | ((taskName: string) => string | undefined);

export type AppConfig = {
  /**
   * Redis URL: redis:// or rediss:// (TLS), with an optional user and password; or a Redis
   * Cluster, as `{ cluster: ['redis://127.0.0.1:7000', …] }` (seed nodes; the client finds
   * the rest) or the URL form `redis-cluster://127.0.0.1:7000,127.0.0.1:7001`. The object
   * form takes `url` instead of `cluster` for one Redis, and `username`, `password` and
   * `tls` for either. The password is never printed (banners, logs and errors show `***`).
   * @default process.env.REDIS_URL, then 'redis://127.0.0.1:6379'
   * @example { cluster: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'], password: process.env.REDIS_PASSWORD }
   */
  redis?: string | RedisTarget;
  /**
   * TLS for every connection (the app's, the worker's, its heartbeat thread's, the result
   * subscriber's). ca, cert and key are PEM text or paths of PEM files, read once here.
   * Setting it turns TLS on even for a redis:// URL; a rediss:// URL alone uses Node's CAs.
   * @default undefined (TLS only with a rediss:// URL)
   * @example { ca: '/etc/hardq/ca.pem', cert: '/etc/hardq/client.pem', key: '/etc/hardq/client.key' }
   */
  tls?: TlsConfig;
  /** First word of every key. @default 'hardq' */
  prefix?: string;
  /** Queue for tasks with no queue of their own. @default 'default' */
  defaultQueue?: string;
  /** How long results live, in ms. @default 86400000 (24 h) */
  resultTtlMs?: number;
  /** Routes from task names to queues. */
  taskRoutes?: TaskRoutes;
  /** How long to try the first connection before RedisUnavailableError, in ms. @default 5000 */
  connectTimeoutMs?: number;
  /** Where hardq writes its log lines. @default console.error */
  log?: (line: string) => void;
  /**
   * The largest message, in bytes of its UTF-8 JSON. The producer refuses a bigger one with
   * MessageTooLargeError; a consumer dead-letters one (reason `too-large`) without parsing
   * it, which also bounds each dead-letter list. Set the same value on both sides.
   * @default 1048576 (1 MiB)
   */
  maxMessageBytes?: number;
  /**
   * The most sends that may wait in memory while Redis is unreachable (ioredis queues
   * commands until it reconnects). Past it, a send fails at once with SendBufferFullError
   * instead of growing the queue without end.
   * @default 10000
   */
  maxPendingSends?: number;
  /**
   * Sign what this app sends (task messages, control commands, beat schedules) with an
   * HMAC-SHA256, and verify what its workers and beats read (docs/SECURITY.md). Every
   * process that signs or verifies holds the keys: producers, workers (they re-sign
   * retries), beats and admins. The secrets never go to Redis.
   * @default undefined (nothing signed, nothing verified)
   * @example { keys: { k2: process.env.HARDQ_KEY_2!, k1: process.env.HARDQ_KEY_1! }, current: 'k2', maxAgeMs: 86_400_000 }
   */
  signing?: SigningConfig;
  /**
   * Write a task-sent event (docs/EVENTS.md) for every message this app sends, into its
   * queue's event stream, in the same MULTI as the LPUSH (Celery's task_send_sent_event).
   * One XADD per message: part of events level `all`, whose cost bench/events.ts reports.
   * @default false
   */
  sentEvents?: boolean;
};

/** `redis` is always a URL once resolved: redis://, rediss://, or the redis-cluster:// form (shared/cluster-url.ts). */
export type ResolvedConfig = Required<Omit<AppConfig, 'taskRoutes' | 'tls' | 'signing' | 'redis'>> & { redis: string; taskRoutes?: TaskRoutes; tls?: ResolvedTls; signing?: ResolvedSigning };

export function resolveConfig(config: AppConfig): ResolvedConfig {
  const resolved: ResolvedConfig = {
    redis: redisUrl(config.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
    prefix: config.prefix ?? 'hardq',
    defaultQueue: config.defaultQueue ?? 'default',
    resultTtlMs: config.resultTtlMs ?? 86_400_000,
    taskRoutes: config.taskRoutes,
    tls: resolveTls(typeof config.redis === 'object' && config.redis?.tls !== undefined ? { ...config.tls, ...config.redis.tls } : config.tls),
    connectTimeoutMs: config.connectTimeoutMs ?? 5000,
    log: config.log ?? ((line: string) => console.error(line)),
    maxMessageBytes: config.maxMessageBytes ?? 1_048_576,
    maxPendingSends: config.maxPendingSends ?? 10_000,
    signing: resolveSigning(config.signing),
    sentEvents: config.sentEvents ?? false,
  };
  checkQueueName(resolved.defaultQueue, 'defaultQueue');
  if (!(Number.isInteger(resolved.resultTtlMs) && resolved.resultTtlMs > 0)) {
    throw new InvalidOptionError('resultTtlMs must be a positive integer of ms');
  }
  for (const key of ['maxMessageBytes', 'maxPendingSends'] as const) {
    if (!(Number.isInteger(resolved[key]) && resolved[key] > 0)) throw new InvalidOptionError(`${key} must be a positive integer, got ${JSON.stringify(resolved[key])}`);
  }
  if (!/^[\w.-]+$/.test(resolved.prefix)) throw new InvalidOptionError('prefix must be letters, digits, dots, dashes or underscores');
  return resolved;
}

/** The `redis` option as one URL string, which every connection, thread and child process can take. */
function redisUrl(option: string | RedisTarget): string {
  if (typeof option === 'string') return option;
  if (typeof option !== 'object' || option === null) throw new InvalidOptionError("redis must be a URL or an object such as { cluster: ['redis://127.0.0.1:7000'] }");
  const { url, cluster, username, password } = option;
  if ((url === undefined) === (cluster === undefined)) throw new InvalidOptionError('redis: give either url (one Redis) or cluster (seed nodes), not both or neither');
  if (cluster !== undefined) return clusterUrl(cluster, { username, password });
  if (username === undefined && password === undefined) return url!;
  const parsed = new URL(url!);
  if (username !== undefined) parsed.username = encodeURIComponent(username);
  if (password !== undefined) parsed.password = encodeURIComponent(password);
  return parsed.href.replace(/\/$/, '');
}

/** What the producer and consumer halves share through the app. */
export type AppContext = {
  config: ResolvedConfig;
  keys: Keys;
  registry: TaskRegistry;
  /** The app's command connection, opened on first use. */
  connection(): Promise<Redis>;
};
