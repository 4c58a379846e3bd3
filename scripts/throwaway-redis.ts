/**
 * A throwaway redis-server for the demo and the chaos run: a free port, no persistence
 * unless asked, a private directory, stopped by pid. Nothing else is touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ThrowawayRedis = { url: string; port: number; dir: string; child: ChildProcess; stop: () => Promise<void> };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** Resolves once something accepts TCP connections on the port. */
function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

export async function startThrowawayRedis(options: { port?: number; dir?: string; persist?: boolean } = {}): Promise<ThrowawayRedis> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'hardq-redis-'));
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', options.persist ? 'yes' : 'no',
    '--dir', dir, '--logfile', join(dir, 'redis.log'),
  ], { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) => child.once('error', (error) => reject(new Error(`cannot start redis-server (${error.message}); install it with: apt-get install -y redis-server`))));
  await Promise.race([waitForPort(port, 10_000), failed]);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
  };
  return { url: `redis://127.0.0.1:${port}`, port, dir, child, stop };
}
