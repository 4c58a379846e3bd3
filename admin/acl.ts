/**
 * Least-privilege Redis ACL users for hardq, one per role, for a key prefix and a set of
 * queues: the `ACL SETUSER` arguments that `hardq acl` prints or applies. Every command a
 * role needs is listed from the code (direct calls and the commands each Lua step runs,
 * since ACL checks every redis.call); keys and channels are granted by pattern, and
 * channels explicitly (Redis 7 denies them by default). docs/SECURITY.md explains each role.
 * One @dangerous command only, INFO, for ioredis's ready check (shared/connection.ts: it
 * waits out LOADING after a restart). CLIENT UNBLOCK is left out (a stopping worker's pop
 * ends at its block timeout instead), and nothing uses CLIENT LIST.
 */
import { createHash } from 'node:crypto';
import { InvalidOptionError } from '../shared/errors.ts';
import { checkQueueName } from '../shared/options.ts';
import type { AppContext } from '../shared/app-config.ts';
import { asCluster } from '../shared/cluster-connection.ts';

export const aclRoles = ['producer', 'worker', 'beat', 'monitor', 'admin'] as const;
export type AclRole = (typeof aclRoles)[number];

/**
 * On a Redis Cluster, ioredis's Cluster client reads the slot map (CLUSTER SLOTS) on connect
 * and after each MOVED, checks CLUSTER INFO's cluster_state for its ready check, and sends
 * ASKING before a command that a reshard redirects with ASK. On one Redis nothing sends them.
 */
const clusterClient = ['cluster|slots', 'cluster|info', 'asking'];
/** Every connection: the handshake (CLIENT SETNAME, SELECT for a /db URL, INFO for the ready check), PING, QUIT, and CLIENT ID (the worker's blocking connection reads it). */
const connection = ['ping', 'quit', 'select', 'info', 'client|setname', 'client|id', ...clusterClient];
/** The Lua steps go through EVALSHA, and EVAL after a SCRIPT FLUSH or a restart (ioredis defineCommand). */
const scripts = ['evalsha', 'eval'];
/** What admin/queues.ts, admin/inspect.ts, admin/dead-letters.ts, admin/events.ts and admin/counters.ts read. */
const reads = ['get', 'mget', 'exists', 'type', 'pttl', 'llen', 'lrange', 'lindex', 'zcard', 'zrange', 'zrangebyscore', 'zscore', 'hget', 'hgetall', 'hlen', 'time', 'multi', 'exec', 'discard',
  'smembers', 'xrange', 'xrevrange'];

/** What relay-deliver.lua runs when a producer starts a chord (canvas/chord.lua, follow-ups.lua), on the marker and the chord hash only. */
const chordStart = ['set', 'hset', 'hsetnx', 'hget', 'hmget', 'hincrby', 'pexpire'];

/** The commands of each role; the comment says which code needs them. */
const commandsOf: Record<AclRole, string[]> = {
  // producer/send.ts (LPUSH ready, ZADD scheduled, SADD the known-queues set; with sentEvents,
  // XADD task-sent in a MULTI with the LPUSH), AsyncResult (GET result),
  // ResultWaiter (SSUBSCRIBE: result announcements are sharded pub/sub).
  // A chord's start: relay-deliver.lua (EVALSHA, EVAL).
  producer: [...connection, ...scripts, 'lpush', 'zadd', 'sadd', 'xadd', 'multi', 'exec', 'discard', 'get', 'ssubscribe', 'sunsubscribe'],
  // simple-fetch (BLMPOP, RPUSH back; LMPOP on a cluster), reliable-fetch (BLMOVE, LRANGE), reaper, scheduler,
  // completer, registry, rate limiter, control mailbox, and inside Lua: claim-batch (HEXISTS, HSET
  // into the claimed hash; complete-batch and the others HDEL, the reaper HGETALL and HLEN),
  // complete-batch (SPUBLISH results), beat, quarantine, promote-due, requeue-*, unregister,
  // rate-limit, reply (the control helper's); events and counters (XADD, HINCRBY in
  // complete-batch; SADD of the known queues and worker events with the registry).
  worker: [...connection, ...scripts, ...reads, 'blmove', 'blmpop', 'lmpop', 'lpush', 'rpush', 'rpop', 'lrem', 'ltrim', 'set', 'del', 'pexpire',
    'zadd', 'zrem', 'zremrangebyscore', 'hset', 'hdel', 'hexists', 'incr', 'spublish', 'sadd', 'xadd', 'hincrby',
    // The canvas in complete-batch.lua and relay-deliver.lua: a chord's parts (HSETNX) and its body's inputs (HMGET).
    'hsetnx', 'hmget'],
  // beat/: the lease (SET NX PX, renew-lease, release-lease), add-schedule, record-slot, enqueue-slot (SET NX + LPUSH).
  beat: [...connection, ...scripts, 'get', 'set', 'del', 'pexpire', 'hget', 'hset', 'hdel', 'hgetall', 'incr', 'lpush', 'time', 'multi', 'exec', 'discard'],
  // admin/queues.ts, admin/inspect.ts (reads only; pruning expired worker ids needs a write), dead-letter list and show.
  monitor: [...connection, ...reads],
  // purge (MULTI LLEN DEL), dead letters (requeue-dead.lua: LREM, DEL, LPUSH; drop: LREM, DEL),
  // revoke (revoke-task.lua: SET, ZADD, ZREMRANGEBYSCORE, PEXPIRE, SPUBLISH), inspect's pruning,
  // remote control (LPUSH a command, SET PX the reply marker, LPOP replies, DEL), beat add|rm,
  // revoke's event and counters (XADD, HINCRBY), hardq queues --scan (SCAN, SADD, SREM).
  admin: [...connection, ...scripts, ...reads, 'lpush', 'rpush', 'lpop', 'lrem', 'set', 'del', 'pexpire', 'zadd', 'zrem', 'zremrangebyscore',
    'hset', 'hdel', 'incr', 'spublish', 'ssubscribe', 'sunsubscribe', 'xadd', 'hincrby', 'sadd', 'srem', 'scan'],
};

/** A queue name as a glob: `*` means every queue; glob characters in a name match only themselves. */
function queueGlob(queue: string): string {
  return queue === '*' ? '*' : queue.replace(/[*?[\]\\]/g, '\\$&');
}

export type AclUserOptions = {
  role: AclRole;
  /** The queues the user works on; `['*']` for every queue. */
  queues: string[];
  /** The key prefix of the app. @default 'hardq' */
  prefix?: string;
  /** The user name. @default `hardq-<role>` */
  user?: string;
  /** The user's password; it goes to Redis as its SHA-256 (`#<hex>`), so the printed line does not hold it. */
  password: string;
};

/** The key patterns (with %R/%W where a role may only read or only write) and channels of a role. */
export function aclPatterns(role: AclRole, prefix: string, queues: string[]): { keys: string[]; channels: string[]; selectors?: string[] } {
  const q = queues.map((queue) => `${prefix}:{${queueGlob(queue)}}`);
  const control = `${prefix}:{control}`;
  const channels = q.map((tag) => `&${tag}:results`);
  switch (role) {
    case 'producer':
      // A chord starts through relay-deliver.lua (producer/canvas-send.ts), and ACL checks a
      // script's declared keys as read-write: ready and scheduled are full, not write-only,
      // and the relay marker and the chord hash are listed. The script's SET and hash writes
      // are granted by a selector on those two kinds of key only, so a producer still cannot
      // SET (and so wipe) a ready list.
      return {
        keys: [...q.flatMap((tag) => [`~${tag}:ready`, `~${tag}:scheduled`, `~${tag}:relayed:*`, `~${tag}:chord:*`, `%R~${tag}:result:*`, `%W~${tag}:task-events`]), `%W~${control}:queues`],
        channels,
        selectors: [`(${[...q.flatMap((tag) => [`~${tag}:relayed:*`, `~${tag}:chord:*`]), ...chordStart.map((command) => `+${command}`)].join(' ')})`],
      };
    case 'worker':
      // reply.lua only reads the reply-wait marker, but ACL checks a script's declared keys
      // (EVALSHA's KEYS) as read and write, since Redis cannot tell how the script uses them:
      // with %R~ every control reply was refused.
      return {
        keys: [...q.map((tag) => `~${tag}:*`), `~${prefix}:rate:*`, `~${control}:worker:*`, `~${control}:workers`, `~${control}:commands:*`,
          `~${control}:reply-wait:*`, `~${control}:reply:*`, `~${control}:rate-limits`, `%W~${control}:queues`, `~${control}:worker-events`],
        channels,
      };
    case 'beat':
      // enqueue-slot.lua only pushes to the ready list, but a script's keys need read and write (above).
      return { keys: [`~${control}:beat-*`, ...q.flatMap((tag) => [`~${tag}:ready`, `~${tag}:beat-slot:*`])], channels: [] };
    case 'monitor':
      return { keys: [...q.map((tag) => `%R~${tag}:*`), `%R~${control}:*`], channels: [] };
    case 'admin':
      return { keys: [...q.map((tag) => `~${tag}:*`), `~${control}:*`, `~${prefix}:rate:*`], channels };
  }
}

/** The arguments after `ACL SETUSER`: the user, reset, on, its password hash, keys, channels, commands. */
export function aclSetUserArgs(options: AclUserOptions): string[] {
  const { role, queues, prefix = 'hardq', password } = options;
  if (!aclRoles.includes(role)) throw new InvalidOptionError(`role must be one of ${aclRoles.join(', ')}, got ${JSON.stringify(role)}`);
  if (queues.length === 0) throw new InvalidOptionError('give at least one queue (or * for every queue)');
  for (const queue of queues) if (queue !== '*') checkQueueName(queue, 'queues');
  if (!/^[\w.-]+$/.test(prefix)) throw new InvalidOptionError('prefix must be letters, digits, dots, dashes or underscores');
  if (password.length === 0) throw new InvalidOptionError('give a password: an ACL user without one could not log in');
  const user = options.user ?? `hardq-${role}`;
  if (!/^[\w.-]+$/.test(user)) throw new InvalidOptionError('user must be letters, digits, dots, dashes or underscores');
  const { keys, channels, selectors = [] } = aclPatterns(role, prefix, queues);
  const hash = createHash('sha256').update(password).digest('hex');
  return [user, 'reset', 'on', `#${hash}`, ...keys, ...channels, '-@all', ...commandsOf[role].map((command) => `+${command}`), ...selectors];
}

/** One `ACL SETUSER …` line, as redis-cli takes it (a selector, which holds spaces, in quotes). */
export function aclSetUserLine(options: AclUserOptions): string {
  return ['ACL', 'SETUSER', ...aclSetUserArgs(options)].map((arg) => (arg.includes(' ') ? `"${arg}"` : arg)).join(' ');
}

/**
 * Runs the role's ACL SETUSER on the app's Redis, whose URL must name a user allowed to
 * (admin credentials). ACL users are per node, and a cluster does not copy them: on a Redis
 * Cluster it runs on every node, replicas too, so that a failover finds the user there.
 */
export async function applyAclUser(app: AppContext, options: AclUserOptions): Promise<string> {
  const redis = await app.connection();
  const args = aclSetUserArgs(options);
  const cluster = asCluster(redis);
  const nodes = cluster ? cluster.nodes('all') : [redis];
  await Promise.all(nodes.map((node) => node.call('ACL', 'SETUSER', ...args)));
  return args[0]!;
}
