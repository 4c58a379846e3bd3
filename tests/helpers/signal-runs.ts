/**
 * One signal run for tests/signals.test.ts and tests/long/signals.test.ts: a worker started
 * by a launcher (npm run consumer, node --import tsx, node dist/) in its own process group,
 * under load, gets one SIGINT to the whole group, as a terminal's Ctrl-C does. Then the
 * verdict: the summary line printed, nothing stranded (reliable), nothing lost (both modes)
 * once a second worker has drained the queue.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createApp } from 'hardq';
import { before, after } from 'node:test';
import { waitFor } from './wait-for.ts';
import { startRedis, type RedisServer } from './redis-server.ts';
import { addSignalTasks } from '../fixtures/signal-app.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const app = 'tests/fixtures/signal-app.ts';

/** `plainNode`: run as a user's project would, without the repo's NODE_OPTIONS (--conditions=source). */
type Launcher = { cwd: string; command: (flags: string[]) => [string, string[]]; plainNode?: boolean };

/** The launchers that start `hardq worker` with these flags, and where they run. */
export const launchers: Record<string, Launcher> = {
  'npm run consumer': { cwd: root, command: (flags) => ['npm', ['run', '--silent', 'consumer', '--', '-A', app, ...flags]] },
  'node --import tsx cli/main.ts': {
    cwd: root, command: (flags) => [process.execPath, ['--import', 'tsx', '--conditions=source', 'cli/main.ts', 'worker', '-A', app, ...flags]],
  },
};

/**
 * Adds `node dist/cli/main.js`, built fresh from the sources into a temporary package (a
 * dist/ in the repo may be stale), with the fixture app beside it so that its 'hardq'
 * resolves to that build. Skipped without the packaging's tsconfig.build.json. Returns
 * the cleanup.
 */
export async function addDistLauncher(): Promise<() => void> {
  if (!existsSync(join(root, 'tsconfig.build.json'))) return () => {};
  const dir = mkdtempSync(join(tmpdir(), 'hardq-dist-'));
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(dir, 'dist'), '--declaration', 'false']);
  cpSync(join(root, 'shared/lua'), join(dir, 'dist/shared/lua'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  mkdirSync(join(dir, 'tests/fixtures'), { recursive: true });
  cpSync(join(root, app), join(dir, app));
  launchers['node dist/cli/main.js'] = { cwd: dir, plainNode: true, command: (flags) => [process.execPath, ['dist/cli/main.js', 'worker', '-A', app, ...flags]] };
  return () => rmSync(dir, { recursive: true, force: true });
}

export type SignalRun = {
  launcher: string; mode: 'reliable' | 'simple'; sent: number; doneBeforeSignal: number; stranded: number; lost: number;
  exit: { code: number | null; signal: NodeJS.Signals | null }; summary: boolean; quitAtOnce: boolean; stderr: string;
};

/** Sends `jobs` naps, starts the worker, SIGINTs its process group once 20 have finished, and drains. */
export async function signalRun(redisUrl: string, launcher: string, mode: 'reliable' | 'simple', jobs = 200): Promise<SignalRun> {
  const queue = `signals-${randomUUID()}`;
  const producer = addSignalTasks(createApp({ redis: redisUrl, defaultQueue: queue, log: () => {} }));
  const ids = (await producer.sendMany('nap', Array.from({ length: jobs }, () => [40]))).map((result) => result.id);
  const { cwd, command: commandLine, plainNode } = launchers[launcher]!;
  const [command, args] = commandLine(['--redis', redisUrl, '-Q', queue, '--mode', mode, '-c', '10']);
  const env: NodeJS.ProcessEnv = { ...process.env, HARDQ_CONNECT_TIMEOUT_MS: '10000' };
  delete env.NODE_TEST_CONTEXT; // a child of node --test must not report as a test itself
  // Under npm test, NODE_OPTIONS carries --conditions=source, which would point the build's
  // 'hardq' at sources the temporary package does not have.
  if (plainNode === true) delete env.NODE_OPTIONS;
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close' waits for the pipes, which the worker holds: under npm, for the worker itself.
  const exited = new Promise<SignalRun['exit']>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const group = child.pid!;
  try {
    await waitFor(() => (stdout.match(/ SUCCESS /g) ?? []).length >= 20, { timeoutMs: 30_000, what: `${launcher}: 20 tasks done before the signal` })
      .catch((error: Error) => {
        throw new Error(`${error.message}; exit ${child.exitCode ?? child.signalCode}; stdout ${stdout.length} chars; stderr:\n${stderr}`);
      });
    const doneBeforeSignal = (stdout.match(/ SUCCESS /g) ?? []).length;
    process.kill(-group, 'SIGINT'); // the whole process group, as the terminal does on Ctrl-C
    const exit = await Promise.race([exited, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 30_000).unref())]);
    if (exit === 'late') throw new Error(`${launcher} (${mode}) did not exit within 30 s of SIGINT:\n${stderr}`);
    const redis = await producer.connection();
    // Right after the exit, before anyone drains: a reliable worker that stopped gracefully
    // leaves no processing list or claimed hash behind.
    const lists = await redis.keys(producer.keys.processing(queue, '*'));
    const hashes = await redis.keys(producer.keys.claimed(queue, '*'));
    const stranded = (await Promise.all([...lists.map((key) => redis.llen(key)), ...hashes.map((key) => redis.hlen(key))])).reduce((a, b) => a + b, 0);
    const drainer = producer.worker({ queues: [queue], mode, concurrency: 50 });
    const draining = drainer.run();
    const missingResults = async () => {
      const records = await redis.mget(ids.map((id) => producer.keys.result(queue, id)));
      return records.filter((record) => record === null || !record.includes('SUCCESS')).length;
    };
    // Until every id has a result, or nothing is left to run; then a graceful close writes
    // what the drainer finished, and whatever still has no result was lost.
    await waitFor(async () => (await missingResults()) === 0 || ((await redis.llen(producer.keys.ready(queue))) === 0 && drainer.inFlight === 0), {
      timeoutMs: 30_000, what: `${launcher} (${mode}): the drain`,
    });
    await drainer.close();
    await draining;
    const missing = await missingResults();
    await producer.close();
    return {
      launcher, mode, sent: jobs, doneBeforeSignal, stranded, lost: missing, exit,
      summary: /worker stopped after [\d.]+ s, [\d.]+ s after the signal: \d+ succeeded/.test(stderr),
      quitAtOnce: /again: quitting at once/.test(stderr), stderr,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // The group is gone already: nothing to clean up.
      }
    }
    await producer.close();
  }
}

/** A signal test file's world: its private redis-server and the dist launcher, set up before its tests and removed after. */
export function signalWorld(): { server: RedisServer } {
  const world = {} as { server: RedisServer };
  let removeDist = () => {};
  before(async () => ([world.server, removeDist] = await Promise.all([startRedis(), addDistLauncher()])));
  after(async () => {
    removeDist();
    await world.server.stop();
  });
  return world;
}
