/**
 * Why a Cluster's first connection failed. ioredis's Cluster client asks a seed for its slot
 * map on a connection of its own whose errors it does not pass on, so a certificate the
 * client does not trust, or a user that may not run CLUSTER INFO (the ready check), shows
 * only as "Failed to refresh slots cache." or nothing. One plain connection to a seed, as
 * the same user with the same TLS, runs the commands the Cluster client starts with and
 * returns the first error it saw. No keys are touched.
 */
import { Redis } from 'ioredis';
import type { ResolvedTls } from './tls.ts';
import { describeTlsError } from './tls.ts';

export type ProbeOptions = { username?: string; password?: string; tls?: ResolvedTls; connectTimeoutMs: number };

/** The error a seed gives to one connection (TLS handshake, AUTH, NOPERM…), or undefined when all went well. */
export async function probeClusterSeed(seed: { host: string; port: number }, options: ProbeOptions): Promise<Error | undefined> {
  const { username, password, tls, connectTimeoutMs } = options;
  const client = new Redis({
    host: seed.host, port: seed.port, username, password,
    ...(tls === undefined ? {} : { tls: { ...tls } }),
    lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null, maxRetriesPerRequest: 0,
    connectTimeout: Math.max(1000, Math.min(connectTimeoutMs, 10_000)),
  });
  let socketError: Error | undefined;
  client.on('error', (error: Error) => (socketError ??= error));
  try {
    await client.connect();
    // The Cluster client's first commands: its slot map, then its ready check.
    await client.call('CLUSTER', 'SLOTS');
    await client.call('CLUSTER', 'INFO');
    return undefined;
  } catch (error) {
    // A failed handshake rejects connect() with "Connection is closed."; the socket said why.
    return socketError !== undefined && describeTlsError(socketError) !== undefined ? socketError : (error as Error);
  } finally {
    client.disconnect();
  }
}
