/**
 * A throwaway Redis Cluster on loopback, the one `npm run cluster`, the cluster tests and
 * the cluster benchmarks start: N masters (and R replicas each), every node on a free port
 * with a free cluster bus port (`--cluster-port`: the default, port + 10000, is invalid above
 * 55535), joined with `redis-cli --cluster create`, ready once every node says
 * `cluster_state:ok`. Each node has a private directory; every process is stopped by pid.
 * Nothing else is touched. With `tls` every node speaks TLS only, to clients, replicas and
 * on the cluster bus (`--port 0 --tls-port P --tls-cluster yes --tls-replication yes`), asks
 * clients for a certificate, and its url is rediss-cluster://.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, type ThrowawayTls } from './throwaway-redis.ts';

const run = promisify(execFile);

export type ClusterNode = {
  port: number;
  busPort: number;
  dir: string;
  /** The pid of the running redis-server (it changes on restart). */
  readonly pid: number;
  /** True while its process runs. */
  readonly running: boolean;
};

export type ThrowawayCluster = {
  /** The cluster URL form hardq takes (docs/CLI.md): `redis-cluster://127.0.0.1:P1,127.0.0.1:P2,…`. */
  url: string;
  /** One `redis://127.0.0.1:P` per node. */
  nodeUrls: string[];
  nodes: ClusterNode[];
  /** The ports of the nodes that serve slots now (masters; a failover changes them). */
  masterPorts(): Promise<number[]>;
  /**
   * Moves one hash slot, with its keys, to the master on `toPort`, as `redis-cli --cluster
   * reshard` does for many: SETSLOT IMPORTING/MIGRATING, MIGRATE the keys in batches, then
   * SETSLOT NODE on every master. While it runs, clients get ASK and TRYAGAIN for that slot.
   */
  moveSlot(slot: number, toPort: number): Promise<void>;
  /** kill -9 one node, by port (a failover test's master). */
  kill(port: number): Promise<void>;
  /** SHUTDOWN every node, then start each again on its port and directory (its nodes.conf and data come back with `persist`); resolves with the downtime in ms. */
  restart(): Promise<number>;
  /** Waits until every running node says cluster_state:ok and agrees on who serves every slot. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Stops every node and, unless `keepDirs`, removes their directories. */
  stop(keepDirs?: boolean): Promise<void>;
};

export type ClusterOptions = {
  /** @default 3 */
  masters?: number;
  /** Replicas per master, for failover tests. @default 0 */
  replicasPerMaster?: number;
  /** Append-only files on, so that `restart()` keeps the data. @default false */
  persist?: boolean;
  /** cluster-node-timeout, in ms: how long a master may be silent before a failover. @default 2000 */
  nodeTimeoutMs?: number;
  /** Certificate files: every node listens with TLS only and asks clients for a certificate. @default plain TCP */
  tls?: ThrowawayTls;
};

/** How this file's own clients reach a node: the client certificate when the nodes speak TLS. */
type Reach = { tls?: { ca: Buffer; cert: Buffer; key: Buffer } };

/** Free ports, none repeated: each node needs two. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freePort();
    ports.add(port);
  }
  return [...ports];
}

async function ask(reach: Reach, port: number, ...args: string[]): Promise<string | undefined> {
  const client = new Redis({ ...reach, port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
  client.on('error', () => {});
  try {
    await client.connect();
    return String(await client.call(args[0]!, ...args.slice(1)));
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One command to one node, its reply as ioredis gives it. */
async function command(reach: Reach, port: number, ...args: (string | number)[]): Promise<unknown> {
  const client = new Redis({ ...reach, port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
  client.on('error', () => {});
  try {
    return await client.call(String(args[0]), ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

/** Each node's id and port, and the slots each master serves, from CLUSTER NODES. */
async function clusterNodes(reach: Reach, port: number): Promise<{ id: string; port: number; master: boolean; slots: [number, number][] }[]> {
  const lines = String(await command(reach, port, 'CLUSTER', 'NODES')).split('\n').filter(Boolean);
  return lines.map((line) => {
    const fields = line.split(' ');
    const slots = fields.slice(8).filter((field) => /^\d/.test(field)).map((range) => {
      const [from, to = from] = range.split('-').map(Number);
      return [from!, to!] as [number, number];
    });
    return { id: fields[0]!, port: Number(fields[1]!.split('@')[0]!.split(':')[1]), master: fields[2]!.includes('master'), slots };
  });
}

/**
 * `redis-cli --cluster create` refuses fewer than 3 masters; the scaling bench (W6) also
 * runs 1 and 2. Those are joined by hand: MEET (with the bus port, which is not port + 10000
 * here), then even slot ranges, the split redis-cli would make.
 */
async function joinByHand(reach: Reach, nodes: ClusterNode[], replicasPerMaster: number): Promise<void> {
  if (replicasPerMaster > 0) throw new Error('a local cluster with replicas needs 3 masters at least');
  // A lone node never hears its own address from a peer, so CLUSTER SLOTS would give clients
  // an empty host for every slot (ioredis then waits forever): announce it.
  if (nodes.length === 1) await command(reach, nodes[0]!.port, 'CONFIG', 'SET', 'cluster-announce-ip', '127.0.0.1');
  for (const node of nodes.slice(1)) await command(reach, nodes[0]!.port, 'CLUSTER', 'MEET', '127.0.0.1', node.port, node.busPort);
  const perNode = Math.ceil(16384 / nodes.length);
  await Promise.all(nodes.map((node, i) => command(reach, node.port, 'CLUSTER', 'ADDSLOTSRANGE', i * perNode, Math.min(16383, (i + 1) * perNode - 1))));
}

export async function startThrowawayCluster(options: ClusterOptions = {}): Promise<ThrowawayCluster> {
  const { masters = 3, replicasPerMaster = 0, persist = false, nodeTimeoutMs = 2000, tls } = options;
  const reach: Reach = tls === undefined ? {} : { tls: { ca: readFileSync(tls.ca), cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) } };
  // tls-cluster makes the bus TLS too: a node dials another's bus port as a client, showing
  // tls-client-cert-file (the server certificate is for serverAuth only, which a node that
  // asks for client certificates refuses).
  const listen = (port: number) => tls === undefined ? ['--port', String(port)] : ['--port', '0', '--tls-port', String(port),
    '--tls-cluster', 'yes', '--tls-replication', 'yes', '--tls-auth-clients', 'yes', '--tls-ca-cert-file', tls.ca,
    '--tls-cert-file', tls.serverCert, '--tls-key-file', tls.serverKey, '--tls-client-cert-file', tls.clientCert, '--tls-client-key-file', tls.clientKey];
  const cliTls = tls === undefined ? [] : ['--tls', '--cacert', tls.ca, '--cert', tls.clientCert, '--key', tls.clientKey];
  const count = masters * (1 + replicasPerMaster);
  const ports = await distinctFreePorts(count * 2);
  const children = new Map<number, ChildProcess>();
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < count; i++) {
    const port = ports[2 * i]!;
    const dir = mkdtempSync(join(tmpdir(), 'hardq-cluster-'));
    nodes.push({
      port, busPort: ports[2 * i + 1]!, dir,
      get pid() {
        return children.get(port)!.pid!;
      },
      get running() {
        const child = children.get(port);
        return child !== undefined && child.exitCode === null && child.signalCode === null;
      },
    });
  }

  const launch = async (node: ClusterNode) => {
    const child = spawn('redis-server', [
      ...listen(node.port), '--cluster-port', String(node.busPort), '--bind', '127.0.0.1', '--dir', node.dir,
      '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs),
      '--save', '', '--appendonly', persist ? 'yes' : 'no', '--logfile', join(node.dir, 'redis.log'),
    ], { stdio: 'ignore' });
    children.set(node.port, child);
    const failed = new Promise<never>((_, reject) => child.once('error', (error) =>
      reject(new Error(`cannot start redis-server (${error.message}); install it with: apt-get install -y redis-server`))));
    const deadline = Date.now() + 15_000;
    const answered = (async () => {
      while ((await ask(reach, node.port, 'PING')) !== 'PONG') {
        if (Date.now() > deadline) throw new Error(`cluster node on port ${node.port} did not answer PING within 15 s`);
        await sleep(20);
      }
    })();
    await Promise.race([answered, failed]);
  };

  const stopNode = async (node: ClusterNode, signal: 'SIGTERM' | 'SIGKILL') => {
    const child = children.get(node.port);
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const guard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(guard);
  };

  const waitReady = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = nodes.filter((node) => node.running);
      const infos = await Promise.all(running.map((node) => ask(reach, node.port, 'CLUSTER', 'INFO')));
      // Every node must agree on the slot map, or a client may be sent back and forth.
      const maps = await Promise.all(running.map(async (node) => {
        const lines = (await ask(reach, node.port, 'CLUSTER', 'NODES')) ?? '';
        return lines.split('\n').filter((line) => /master/.test(line) && !/fail/.test(line)).map((line) => {
          const fields = line.split(' ');
          return `${fields[1]!.split('@')[0]} ${fields.slice(8).join(' ')}`;
        }).sort().join('|');
      }));
      const ok = infos.every((info) => info?.includes('cluster_state:ok')) && maps.every((map) => map !== '' && map === maps[0]);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`the local cluster did not reach cluster_state:ok within ${timeoutMs} ms`);
      await sleep(100);
    }
  };

  // Whatever happens to the process that started it, the nodes do not outlive it.
  const onExit = () => {
    for (const child of children.values()) child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  const removeDirs = () => {
    for (const node of nodes) rmSync(node.dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodes.map(launch));
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    if (masters < 3) await joinByHand(reach, nodes, replicasPerMaster);
    else await run('redis-cli', [...cliTls, '--cluster', 'create', ...addresses, '--cluster-replicas', String(replicasPerMaster), '--cluster-yes']).catch((error: Error & { stdout?: string }) => {
      throw new Error(`redis-cli --cluster create failed: ${error.stdout?.trim().split('\n').at(-1) ?? error.message}`);
    });
    await waitReady();
  } catch (error) {
    onExit();
    process.off('exit', onExit);
    removeDirs();
    throw error;
  }

  return {
    url: `${tls === undefined ? 'redis' : 'rediss'}-cluster://${nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}`,
    nodeUrls: nodes.map((node) => `${tls === undefined ? 'redis' : 'rediss'}://127.0.0.1:${node.port}`),
    nodes,
    async masterPorts() {
      const running = nodes.find((node) => node.running);
      const lines = running === undefined ? '' : (await ask(reach, running.port, 'CLUSTER', 'NODES')) ?? '';
      return lines.split('\n').filter((line) => / master /.test(line.replace('myself,', ' ')) && !/fail/.test(line) && line.split(' ').length > 8)
        .map((line) => Number(line.split(' ')[1]!.split('@')[0]!.split(':')[1]));
    },
    async moveSlot(slot, toPort) {
      const running = nodes.find((node) => node.running)!;
      const all = await clusterNodes(reach, running.port);
      const from = all.find((node) => node.master && node.slots.some(([low, high]) => low <= slot && slot <= high));
      const to = all.find((node) => node.port === toPort);
      if (from === undefined || to === undefined) throw new Error(`slot ${slot} has no owner, or no node listens on ${toPort}`);
      if (from.port === to.port) return;
      await command(reach, to.port, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', from.id);
      await command(reach, from.port, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', to.id);
      for (;;) {
        const keys = (await command(reach, from.port, 'CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[];
        if (keys.length === 0) break;
        await command(reach, from.port, 'MIGRATE', '127.0.0.1', to.port, '', 0, 5000, 'KEYS', ...keys);
      }
      // The target first, then the source, then the rest (the order the cluster tutorial gives).
      const others = all.filter((node) => node.master && node.port !== to.port && node.port !== from.port);
      for (const node of [to, from, ...others]) await command(reach, node.port, 'CLUSTER', 'SETSLOT', slot, 'NODE', to.id);
    },
    async kill(port) {
      const node = nodes.find((candidate) => candidate.port === port);
      if (node === undefined) throw new Error(`no node of this cluster listens on ${port}`);
      await stopNode(node, 'SIGKILL');
    },
    async restart() {
      const downAt = Date.now();
      // SHUTDOWN writes the append-only file and nodes.conf; SIGTERM does the same.
      await Promise.all(nodes.map((node) => stopNode(node, 'SIGTERM')));
      await Promise.all(nodes.map(launch));
      await waitReady();
      return Date.now() - downAt;
    },
    waitReady,
    async stop(keepDirs = false) {
      await Promise.all(nodes.map((node) => stopNode(node, 'SIGTERM')));
      process.off('exit', onExit);
      if (!keepDirs) removeDirs();
    },
  };
}
