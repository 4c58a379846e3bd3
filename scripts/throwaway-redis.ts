/**
 * A throwaway redis-server, the one the demo, the chaos run, the benchmark and the tests
 * all start: a free port, a private directory, stopped by pid; nothing else is touched.
 * Without `persist` it keeps nothing (`--save "" --appendonly no`). With it, it writes an
 * append-only file from the start, so `restart()` (a clean SHUTDOWN, then a start on the
 * same port and directory) brings every key back. With `tls` it listens with TLS only
 * (`--port 0 --tls-port P`, clients must show a certificate) and its url is rediss://.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Files (paths) for a TLS-only server: its certificate, the CA it trusts, and a client's for its own checks. */
export type ThrowawayTls = { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string };

type ClientOptions = { port: number; host: string; tls?: { ca: Buffer; cert: Buffer; key: Buffer } };

export type ThrowawayRedis = {
  url: string;
  port: number;
  dir: string;
  /** The pid of the running server (it changes on restart). */
  readonly pid: number;
  /** SHUTDOWN, then a fresh start on the same port; resolves with the downtime in ms. */
  restart(): Promise<number>;
  /** Stops the server and, unless `keepDir`, removes its directory. */
  stop(keepDir?: boolean): Promise<void>;
};

/** A port the OS says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** Thrown when the port answered, but not from our server: another process took it first. */
class PortTaken extends Error {}

async function waitForPing(where: ClientOptions, timeoutMs: number, pid: number): Promise<void> {
  const { port } = where;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // No ready check: ioredis would sleep up to a second while the server loads its file.
    const client = new Redis({ ...where, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
    client.on('error', () => {});
    try {
      await client.connect();
      // A free port is only free when asked: between freePort() and the bind another
      // process (a test's cluster node, say) may take it, and would answer this PING.
      const serverPid = Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
      if (serverPid !== pid) throw new PortTaken(`port ${port} is served by pid ${serverPid}, not ours (${pid})`);
      // PING answers LOADING until the append-only file is read back.
      if ((await client.ping()) === 'PONG') return;
    } catch (error) {
      if (error instanceof PortTaken) throw error;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      client.disconnect();
    }
  }
}

export async function startThrowawayRedis(options: { persist?: boolean; tls?: ThrowawayTls } = {}): Promise<ThrowawayRedis> {
  let port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hardq-redis-'));
  const { tls } = options;
  const where: ClientOptions = { port, host: '127.0.0.1' };
  if (tls) where.tls = { ca: readFileSync(tls.ca), cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) };
  const listen = () => (tls === undefined ? ['--port', String(port)] : ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.serverCert,
    '--tls-key-file', tls.serverKey, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'yes']);
  let child!: ChildProcess;
  const launch = async () => {
    child = spawn('redis-server', [...listen(), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', options.persist ? 'yes' : 'no', '--logfile', join(dir, 'redis.log')], { stdio: 'ignore' });
    const failed = new Promise<never>((_, reject) => child.once('error', (error) =>
      reject(new Error(`cannot start redis-server (${error.message}); install it with: apt-get install -y redis-server`))));
    await Promise.race([waitForPing(where, 15_000, child.pid ?? -1), failed]);
  };
  /** The first start: on a port another process took meanwhile, again on a new one. */
  const launchOnFreePort = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch();
      } catch (error) {
        if (!(error instanceof PortTaken) || attempt === 5) throw error;
        child.kill('SIGKILL');
        where.port = port = await freePort();
      }
    }
  };
  const shutdown = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const client = new Redis({ ...where, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
    client.on('error', () => {});
    // SHUTDOWN never replies: the server closes the connection once the file is written.
    await client.call('SHUTDOWN').catch(() => {});
    client.disconnect();
    const guard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(guard);
  };
  // Whatever happens to the process that started it, the server does not outlive it.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  try {
    await launchOnFreePort();
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return child.pid!;
    },
    async restart() {
      const downAt = Date.now();
      await shutdown();
      await launch();
      return Date.now() - downAt;
    },
    async stop(keepDir = false) {
      await shutdown();
      process.off('exit', onExit);
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
