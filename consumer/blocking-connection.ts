/**
 * The connection a consumer blocks on (BLMPOP, BLMOVE), kept apart from the command
 * connection so that acks and results are never stuck behind a blocking pop.
 * `interrupt()` ends a pending pop at once with CLIENT UNBLOCK … TIMEOUT: the pop returns
 * as if it had timed out, so nothing it could have taken is lost, and shutdown does not
 * wait for the block timeout. The client id changes on reconnect, so it is re-read then.
 * CLIENT UNBLOCK is @admin @dangerous, so the worker ACL role (admin/acl.ts) leaves it out:
 * on NOPERM the pop simply ends at its block timeout (at most 2 s). Dropping the connection
 * instead would be faster but is not safe: a BLMPOP reply lost that way loses its messages.
 *
 * On a Redis Cluster the blocking client holds one connection per node, and a pop blocks
 * the connection of the node that owns its queue. A client id means something only on its
 * own node, so each node connection's id is read on that node (`prepare()`, before a pop),
 * and `interrupt()` sends CLIENT UNBLOCK to each of those nodes, never to a random one.
 */
import type { Redis } from 'ioredis';
import { asCluster } from '../shared/cluster-connection.ts';

type NodeId = { host: string; port: number; id: Promise<number | undefined> };

/** A user without CLIENT ID cannot unblock either: the pop then ends at its timeout. */
const readId = (connection: Redis) => (connection.client('ID') as Promise<number>).catch(() => undefined);
const addressOf = (node: Redis) => `${node.options.host}:${node.options.port}`;

export class BlockingConnection {
  readonly redis: Redis;
  #clientId: Promise<number | undefined> | undefined;
  /** Cluster: each node connection of this client, with its id on that node. */
  #nodeIds = new Map<Redis, NodeId>();
  /** False once Redis said NOPERM: this user may not unblock, so stop asking. */
  #mayUnblock = true;

  constructor(redis: Redis) {
    this.redis = redis;
    if (asCluster(redis) !== undefined) return;
    this.#clientId = readId(redis);
    redis.on('ready', () => {
      this.#clientId = readId(this.redis);
    });
  }

  /**
   * Cluster: reads the client id of every node connection not yet known, while none of them
   * blocks (a CLIENT ID queued behind a pop would wait as long as the pop). One round trip
   * the first time, nothing after; a single Redis reads its id on connect instead.
   */
  async prepare(): Promise<void> {
    const cluster = asCluster(this.redis);
    if (cluster === undefined || !this.#mayUnblock) return;
    const nodes = cluster.nodes('master');
    for (const node of this.#nodeIds.keys()) if (!nodes.includes(node)) this.#nodeIds.delete(node);
    for (const node of nodes) {
      if (this.#nodeIds.has(node)) continue;
      const entry: NodeId = { host: String(node.options.host), port: Number(node.options.port), id: readId(node) };
      this.#nodeIds.set(node, entry);
      // A reconnected node connection has a new id.
      node.on('ready', () => (entry.id = readId(node)));
    }
    await Promise.all([...this.#nodeIds.values()].map((entry) => entry.id));
  }

  /** Unblocks a pending pop on this connection (on a cluster: on every node), through another connection. */
  async interrupt(via: Redis): Promise<void> {
    if (!this.#mayUnblock) return;
    const viaCluster = asCluster(via);
    if (viaCluster === undefined) {
      const id = await this.#clientId;
      if (id !== undefined) await this.#unblock(via, id);
      return;
    }
    const commandNodes = new Map(viaCluster.nodes('master').map((node) => [addressOf(node), node]));
    await Promise.all([...this.#nodeIds.values()].map(async (entry) => {
      const id = await entry.id;
      const node = commandNodes.get(`${entry.host}:${entry.port}`);
      if (id !== undefined && node !== undefined) await this.#unblock(node, id);
    }));
  }

  async #unblock(via: Redis, id: number): Promise<void> {
    await via.client('UNBLOCK', id, 'TIMEOUT').catch((error: Error) => {
      // NOPERM: the pop ends at its block timeout. Other errors (Redis gone) end it too.
      if (error.message.startsWith('NOPERM')) this.#mayUnblock = false;
      return 0;
    });
  }
}
