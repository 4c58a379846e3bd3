/**
 * The threads and process pools against a real redis-server: the hard time limit stops a
 * busy loop and the worker goes on, the soft limit reaches a bound handler's signal, errors
 * cross the boundary intact, a crash fails only its task, and CPU work in a thread leaves
 * the heartbeat alone. tests/fixtures/pool-app.ts is the app module every member loads.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { TaskFailedError, type App, type Worker, type WorkerOptions } from 'hardq';
import type { RemoteError } from '../shared/errors.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';
import { killCliChildren, runCli, startCli } from './fixtures/cli.ts';

const appModule = fileURLToPath(new URL('./fixtures/pool-app.ts', import.meta.url));
let server: RedisServer;
let raw: Redis;
let app: App;
let logged: string[];

before(async () => {
  server = await startRedis();
  raw = new Redis(server.url);
  // The fixture reads REDIS_URL when it is imported, here and in every thread and child.
  process.env.REDIS_URL = server.url;
  ({ default: app, logged } = await import('./fixtures/pool-app.ts'));
});
after(async () => {
  await killCliChildren();
  await app?.close();
  raw?.disconnect();
  await server?.stop();
});

/** Runs `body` against a worker of this pool (on a fresh queue unless `options.queues` names one); the worker is closed even when `body` fails. */
async function withWorker(kind: 'threads' | 'process', options: WorkerOptions, body: (queue: string, worker: Worker) => Promise<void>): Promise<void> {
  const queue = options.queues?.[0] ?? randomUUID();
  const worker = app.worker({ queues: [queue], pool: kind, appModule, poolSize: 1, promoteIntervalMs: 20, ...options });
  const running = worker.run();
  try {
    await Promise.race([body(queue, worker), running.then(() => assert.fail('the worker stopped by itself'))]);
  } finally {
    await worker.close();
    await running;
  }
}

async function run(queue: string, task: string, args: unknown[] = []): Promise<unknown> {
  return (await app.sendTask(task, args, { queue })).get({ timeoutMs: 15_000 });
}

async function failure(queue: string, task: string, args: unknown[] = []): Promise<RemoteError> {
  const error = await run(queue, task, args).then(() => assert.fail(`${task} succeeded`), (e: unknown) => e);
  assert.ok(error instanceof TaskFailedError, String(error));
  return error.remote;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: no such process
  }
}

for (const kind of ['threads', 'process'] as const) {
  test(`${kind}: the hard time limit stops a busy loop, the task fails with TimeLimitExceeded, and the next task runs`, async () => {
    const counter = join(tmpdir(), `hardq-spin-${randomUUID()}`);
    await withWorker(kind, {}, async (queue) => {
      const spin = await app.sendTask('spin', [counter], { queue });
      const error = await spin.get({ timeoutMs: 15_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof TaskFailedError);
      assert.equal(error.remote.name, 'TimeLimitExceeded');
      assert.match(error.remote.message, kind === 'threads' ? /the thread was terminated/ : /the child process was killed/);
      assert.equal(await run(queue, 'add', [2, 3]), 5, 'the replacement member runs the next task');
      const lines = logged.filter((line) => line.includes(spin.id));
      assert.equal(lines.length, 1, 'one log line per hard limit');
      // The loop really stopped: its count stands still while a 200 ms task runs.
      await waitFor(async () => {
        const count = readFileSync(counter, 'utf8');
        await run(queue, 'nap', [`naps:${randomUUID()}`, 200]);
        return readFileSync(counter, 'utf8') === count;
      }, { what: 'the busy loop to stand still' });
      if (kind === 'process') {
        const pid = Number(/child process (\d+)/.exec(lines[0]!)?.[1]);
        await waitFor(() => !alive(pid), { what: `child ${pid} to be gone` });
      }
    }).finally(() => rmSync(counter, { force: true }));
  });

  test(`${kind}: the soft time limit aborts a bound handler's signal, and autoretryFor retries on it`, async () => {
    await withWorker(kind, {}, async (queue) => {
      const remote = await failure(queue, 'patient');
      assert.equal(remote.name, 'SoftTimeLimitExceeded', 'the handler rejected with its signal.reason');
      assert.equal(await run(queue, 'slow-then-fast'), 'second run was quick');
    });
  });

  test(`${kind}: Retry, named errors, non-Error throws and uncopyable results cross the boundary; a crash fails only its task`, async () => {
    await withWorker(kind, {}, async (queue) => {
      assert.equal(await run(queue, 'retry-once'), 'retried 1 time');
      const quota = await failure(queue, 'quota');
      assert.deepEqual([quota.name, quota.message], ['QuotaError', 'over quota']);
      assert.match(quota.stack ?? '', /pool-app\.ts/, 'the stack is the handler\'s');
      assert.equal((await failure(queue, 'throw-object')).name, 'NonError');
      const dead = await raw.lrange(app.keys.dead(queue), 0, -1);
      assert.ok(dead.some((entry) => (JSON.parse(entry) as { reason: string }).reason === 'non-error-thrown'));
      assert.equal((await failure(queue, 'return-function')).name, 'SerializationError');
      const lost = await failure(queue, 'crash');
      assert.equal(lost.name, 'WorkerLostError');
      assert.match(lost.message, /exit code 3/);
      assert.equal(await run(queue, 'add', [1, 1]), 2, 'a new member replaced the one that exited');
    });
  });

  test(`${kind}: the shutdown timeout stops a running handler and its message goes back to the queue`, async () => {
    const queue = randomUUID();
    const worker = app.worker({ queues: [queue], pool: kind, appModule, poolSize: 1, shutdownTimeoutMs: 200 });
    const running = worker.run();
    let sent!: { id: string };
    try {
      sent = await app.sendTask('spin-unlimited', [], { queue });
      await waitFor(() => worker.inFlight === 1, { what: 'the task to start' });
    } finally {
      await worker.close();
      await running;
    }
    assert.equal(await raw.llen(app.keys.ready(queue)), 1, 'the message is back on the ready list');
    assert.equal(await raw.get(app.keys.result(queue, sent.id)), null, 'and it was not marked as failed');
  });
}

test('threads: three seconds of CPU in a thread does not starve the heartbeat, so no other consumer takes the message back', async () => {
  const queue = randomUUID();
  const runsKey = `runs:${randomUUID()}`;
  const napKey = `naps:${randomUUID()}`;
  // The other consumer is a separate process, so a blocked event loop here cannot stop its
  // reaper. It starts first, takes a long nap (concurrency 1), and so fetches nothing else.
  const other = startCli('consumer', ['--app', appModule, '--redis', server.url, '--queues', queue, '--concurrency', '1', '--quiet'], { timeoutMs: 30_000 });
  await app.sendTask('nap', [napKey, 20_000], { queue });
  await waitFor(async () => (await raw.get(napKey)) === '1', { timeoutMs: 15_000, what: 'the other consumer to take the nap' });
  await withWorker('threads', { queues: [queue], heartbeatTtlMs: 500, reaperIntervalMs: 100 }, async () => {
    const before = logged.length;
    assert.ok((await run(queue, 'hash', [runsKey, 3000])) as number > 0);
    assert.equal(await raw.get(runsKey), '1', 'the task ran once');
    assert.deepEqual(logged.slice(before).filter((line) => line.includes('taken back')), []);
  });
  other.child.kill('SIGKILL');
  await other.exited;
});

test('consumer CLI: --pool must be async, threads or process', async () => {
  const exit = await runCli('consumer', ['--pool', 'forked', '--redis', server.url]);
  assert.equal(exit.code, 2);
  assert.equal(exit.stderr.trim(), '--pool must be async, threads or process, got forked');
});
