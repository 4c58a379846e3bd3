/**
 * A private redis-server per test file: a free port, no persistence, stopped by pid.
 * node:test runs each file in its own process, so files never share a server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export type RedisServer = { url: string; port: number; pid: number; stop: () => Promise<void>; restart: () => Promise<void> };

/** A port the OS says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPing(port: number, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${deadlineMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 30));
    } finally {
      client.disconnect();
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Starts redis-server on a free port. With `persist: true` it keeps an append-only file in
 * a private directory, so `restart()` (clean SHUTDOWN, start on the same port) keeps data.
 */
export async function startRedis(options: { persist?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hardq-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir,
    '--appendonly', options.persist ? 'yes' : 'no', '--logfile', join(dir, 'redis.log')];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    child.on('error', (error) => {
      throw new Error(`cannot start redis-server (${error.message}); install it with: apt-get install -y redis-server`);
    });
    await waitForPing(port, 10_000);
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid!;
    },
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopChild(child);
      await launch();
    },
  };
}
