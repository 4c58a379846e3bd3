/**
 * For the password checks (tests/redacted-passwords.test.ts, tests/long/redacted-passwords.test.ts):
 * a redis-server whose default user has a known password, and a runner that starts many
 * `hardq` commands and asserts that none printed that password.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from './redis-server.ts';
import { killCliChildren, runCli, type CliExit } from '../fixtures/cli.ts';

/** The password every check looks for. */
export const password = `pw-${randomUUID().slice(0, 8)}-never-printed`;

/** Starts a private redis-server and sets the password; `stop` removes it first (stop() knows no password). */
export async function passwordServer(): Promise<{ server: RedisServer; url: string; stop: () => Promise<void> }> {
  const server = await startRedis();
  const admin = new Redis(server.url);
  await admin.config('SET', 'requirepass', password);
  admin.disconnect();
  return {
    server, url: `redis://default:${password}@127.0.0.1:${server.port}`,
    async stop() {
      await killCliChildren();
      const again = new Redis(`redis://:${password}@127.0.0.1:${server.port}`);
      await again.config('SET', 'requirepass', '');
      again.disconnect();
      await server.stop();
    },
  };
}

/** Runs the commands six at a time (each mostly waits for tsx to load); every run's whole output. */
export async function runAll(runs: string[][], env?: NodeJS.ProcessEnv): Promise<[string[], CliExit][]> {
  const results: [string[], CliExit][] = [];
  for (let i = 0; i < runs.length; i += 6) {
    const batch = runs.slice(i, i + 6);
    results.push(...(await Promise.all(batch.map(async (args) => [args, await runCli('hardq', args, { timeoutMs: 30_000, env })] as [string[], CliExit]))));
  }
  return results;
}

/** Each run printed something, and none of it holds the password. */
export function assertNoPassword(results: [string[], CliExit][]): void {
  for (const [args, { stdout, stderr }] of results) {
    assert.ok(stdout.length + stderr.length > 0, `hardq ${args.join(' ')} printed something`);
    assert.ok(!`${stdout}\n${stderr}`.includes(password), `hardq ${args.join(' ')} printed the password:\n${stdout}\n${stderr}`);
  }
}
