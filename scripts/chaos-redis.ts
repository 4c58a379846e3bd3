/**
 * The chaos run's own redis-server: a free port, a private data directory and
 * `--appendonly yes` from the very start, so that a restart keeps every list and the run
 * measures hardq, not an emptied Redis. `restart()` sends a clean SHUTDOWN (which writes
 * the append-only file out) and starts a new server on the same port and directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export type ChaosRedis = {
  url: string;
  port: number;
  dir: string;
  /** SHUTDOWN, then a fresh start on the same port; resolves with the downtime in ms. */
  restart(): Promise<number>;
  /** SHUTDOWN and, unless `keepDir`, remove the data directory. */
  stop(keepDir?: boolean): Promise<void>;
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // No ready check: ioredis would sleep up to a second while the server loads its file,
    // and the downtime we report would be ioredis's, not Redis's.
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
    client.on('error', () => {});
    try {
      await client.connect();
      // PING fails with LOADING until the append-only file is read back.
      if ((await client.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      client.disconnect();
    }
  }
}

export async function startChaosRedis(): Promise<ChaosRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hardq-chaos-'));
  let child: ChildProcess;
  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', 'yes', '--logfile', join(dir, 'redis.log')], { stdio: 'ignore' });
    const failed = new Promise<never>((_, reject) => child.once('error', (error) =>
      reject(new Error(`cannot start redis-server (${error.message}); install it with: apt-get install -y redis-server`))));
    await Promise.race([waitForPing(port, 15_000), failed]);
  };
  const shutdown = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    // SHUTDOWN never replies: the server closes the connection once the file is written.
    await client.call('SHUTDOWN').catch(() => {});
    client.disconnect();
    // A hard stop in case the server refused (it does not under these settings).
    const guard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(guard);
  };
  // Whatever happens to the chaos run, its server does not outlive it.
  process.once('exit', () => child.kill('SIGKILL'));
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async restart() {
      const downAt = Date.now();
      await shutdown();
      await launch();
      return Date.now() - downAt;
    },
    async stop(keepDir = false) {
      await shutdown();
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
