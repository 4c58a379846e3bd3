/**
 * The benchmark's own throwaway redis-server: a free port, no persistence
 * (`--save "" --appendonly no`), a private directory, stopped by pid. Nothing else runs on
 * it, so FLUSHALL and CONFIG RESETSTAT between systems touch no one's data.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export type BenchRedis = { url: string; port: number; pid: number; stop: () => Promise<void> };

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

export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hardq-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--logfile', join(dir, 'redis.log')], { stdio: 'ignore' });
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', (error) =>
    reject(new Error(`cannot start redis-server (${error.message}); install it with: apt-get install -y redis-server`))));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => {});
    try {
      await Promise.race([probe.connect().then(() => probe.ping()), spawnFailed]);
      probe.disconnect();
      return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid!, stop };
    } catch (error) {
      probe.disconnect();
      if ((error as Error).message.startsWith('cannot start') || Date.now() > deadline) {
        await stop();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  }
}
