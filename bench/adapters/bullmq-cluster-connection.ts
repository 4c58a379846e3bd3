/**
 * BullMQ's side of W6: one hash tag per queue (`prefix: '{name}'`, as BullMQ's Redis Cluster
 * guide asks, so that each queue's keys share a slot and the queues spread over the masters),
 * and a connection of its own per Queue or Worker: an ioredis Cluster on a cluster, a
 * plain { host, port } on one Redis. maxRetriesPerRequest is null, as BullMQ's workers need.
 */
import { Cluster } from 'ioredis';
import type { ChildSpec } from './child-io.ts';

export type ClusterSettings = { queues: string[]; seeds: { host: string; port: number }[]; cluster: boolean };

export function clusterSettings(spec: ChildSpec): ClusterSettings {
  return spec.settings as ClusterSettings;
}

export function bullmqOptions(settings: ClusterSettings, queue: string) {
  const [seed] = settings.seeds;
  const connection = settings.cluster
    ? new Cluster(settings.seeds, { redisOptions: { maxRetriesPerRequest: null } })
    : { host: seed!.host, port: seed!.port, maxRetriesPerRequest: null };
  return { connection, prefix: `{${queue}}` };
}
