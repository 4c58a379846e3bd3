/**
 * The URL form of a Redis Cluster, so that a cluster travels everywhere a Redis URL does
 * (`--redis`, REDIS_URL, the heartbeat thread's message, a pool child's environment):
 * `redis-cluster://[user[:password]@]host:port,host:port,…` (`rediss-cluster://` for TLS).
 * The hosts are seed nodes; the client learns the rest of the cluster from any one of them.
 * The app's object form `{ cluster: ['redis://h:p', …], username, password }` becomes this.
 */
import { InvalidOptionError } from './errors.ts';

export type ClusterAddress = {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
};

const scheme = /^(rediss?)-cluster:\/\//;

export function isClusterUrl(url: string): boolean {
  return scheme.test(url);
}

/** Parses the cluster URL form; throws InvalidOptionError with an example when it does not parse. */
export function parseClusterUrl(url: string): ClusterAddress {
  const match = scheme.exec(url);
  const bad = (why: string) => new InvalidOptionError(`${JSON.stringify(url.replace(/:[^:@/]*@/, ':***@'))} ${why}; give one such as redis-cluster://127.0.0.1:7000,127.0.0.1:7001`);
  if (match === null) throw bad('is not a redis-cluster:// URL');
  let rest = url.slice(match[0].length).replace(/\/$/, '');
  const address: ClusterAddress = { nodes: [], tls: match[1] === 'rediss' };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const [user, ...password] = rest.slice(0, at).split(':');
    if (user) address.username = decodeURIComponent(user);
    if (password.length > 0) address.password = decodeURIComponent(password.join(':'));
    rest = rest.slice(at + 1);
  }
  for (const node of rest.split(',')) {
    const hostPort = /^(\[[^\]]+\]|[^:/\s]+):(\d+)$/.exec(node.trim());
    if (hostPort === null) throw bad(`has "${node}" where a host:port goes`);
    address.nodes.push({ host: hostPort[1]!.replace(/^\[|\]$/g, ''), port: Number(hostPort[2]) });
  }
  return address;
}

/** The app's object form: seed node URLs (redis:// or rediss://) and shared credentials, as one cluster URL. */
export function clusterUrl(seeds: readonly string[], credentials: { username?: string; password?: string } = {}): string {
  if (!Array.isArray(seeds) || seeds.length === 0) throw new InvalidOptionError("redis.cluster must list at least one seed node, such as ['redis://127.0.0.1:7000']");
  let tls = false;
  let { username, password } = credentials;
  const nodes = seeds.map((seed) => {
    let parsed: URL;
    try {
      parsed = new URL(seed.includes('://') ? seed : `redis://${seed}`);
    } catch {
      throw new InvalidOptionError(`redis.cluster: ${JSON.stringify(seed)} is not a redis:// URL or host:port`);
    }
    if (!/^rediss?:$/.test(parsed.protocol)) throw new InvalidOptionError(`redis.cluster: ${JSON.stringify(seed)} is not a redis:// or rediss:// URL`);
    tls ||= parsed.protocol === 'rediss:';
    // Every node of a cluster has the same users: credentials in a seed URL apply to all.
    username ??= parsed.username ? decodeURIComponent(parsed.username) : undefined;
    password ??= parsed.password ? decodeURIComponent(parsed.password) : undefined;
    return `${parsed.hostname}:${parsed.port || 6379}`;
  });
  const auth = username === undefined && password === undefined ? ''
    : `${encodeURIComponent(username ?? '')}${password === undefined ? '' : `:${encodeURIComponent(password)}`}@`;
  return `${tls ? 'rediss' : 'redis'}-cluster://${auth}${nodes.join(',')}`;
}
