/**
 * Remote control against real worker processes (scripts/chaos-worker.ts with
 * tests/fixtures/pool-app.ts): revoke --terminate stops a busy loop in the threads and the
 * process pool and the worker runs on; pool_grow resizes the process pool; a worker whose
 * event loop is busy past the caller's timeout leaves no reply key; `hardq control` pings and
 * shuts a worker down, which then exits 0.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { controlRevoke, controlWorkers, listWorkers, type App } from 'hardq';
import { waitFor } from './helpers/wait-for.ts';
import { workerProcesses, type WorkerProcess } from './helpers/worker-process.ts';
import { killCliChildren, runCli } from './fixtures/cli.ts';

const appModule = fileURLToPath(new URL('./fixtures/pool-app.ts', import.meta.url));
const { world, useApp, start } = workerProcesses(appModule);
let app: App;
after(killCliChildren);

/** A worker process on a fresh queue, registered and online. */
function startWorker(options: Record<string, unknown>): Promise<WorkerProcess> {
  app = useApp();
  return start({ appModule, ...options });
}

for (const pool of ['threads', 'process'] as const) {
  test(`revoke --terminate stops a busy loop in the ${pool} pool; REVOKED is written and the worker runs on`, async () => {
    const { child, id, queue } = await startWorker({ pool, poolSize: 1 });
    try {
      const spin = await app.sendTask('spin-unlimited', [], { queue });
      await waitFor(async () => (await listWorkers(app, { workerId: id }))[0]?.active.length === 1, { what: 'the loop to run' });
      const { revoked, terminate } = await controlRevoke(app, spin.id, { queue, terminate: true, workerId: id, timeoutMs: 5000 });
      assert.equal(revoked, true);
      assert.deepEqual(terminate?.replies[id], { worker: id, ok: true, data: { id: spin.id, terminated: true } });
      await waitFor(async () => (await listWorkers(app, { workerId: id }))[0]?.counts.REVOKED === 1, { what: 'the worker to count it REVOKED' });
      assert.equal((await spin.state()), 'REVOKED');
      const add = await app.sendTask('add', [2, 3], { queue });
      assert.equal(await add.get({ timeoutMs: 20_000 }), 5, `a new ${pool === 'threads' ? 'thread' : 'child'} runs the next task`);
    } finally {
      await child.terminate();
    }
  });
}

test('pool_grow and pool_shrink resize the process pool too', async () => {
  const { child, id } = await startWorker({ pool: 'process', poolSize: 1, concurrency: 2 });
  try {
    const grown = await controlWorkers(app, 'pool_grow', { n: 1 }, { workerId: id, timeoutMs: 5000 });
    assert.deepEqual(grown.replies[id], { worker: id, ok: true, data: { concurrency: 3, poolSize: 2 } });
    const shrunk = await controlWorkers(app, 'pool_shrink', { n: 1 }, { workerId: id, timeoutMs: 5000 });
    assert.deepEqual(shrunk.replies[id], { worker: id, ok: true, data: { concurrency: 2, poolSize: 1 } });
  } finally {
    await child.terminate();
  }
});

test('a worker busy past the caller\'s timeout answers nothing late and leaves no reply key', async () => {
  const { child, id, queue } = await startWorker({ pool: 'async' });
  try {
    const runs = `runs-${randomUUID()}`;
    // 'hash' burns the CPU in the worker's own event loop (async pool): its mailbox cannot poll.
    const busy = await app.sendTask('hash', [runs, 2000], { queue });
    await waitFor(async () => (await world.redis.get(runs)) === '1', { what: 'the CPU-bound task to start' });
    const late = await controlWorkers(app, 'ping', {}, { workerId: id, timeoutMs: 300 });
    assert.deepEqual(late.missing, [id]);
    await busy.get({ timeoutMs: 20_000 });
    await waitFor(async () => (await world.redis.llen(app.keys.controlCommands(id))) === 0, { what: 'the worker to take the stale command' });
    const again = await controlWorkers(app, 'ping', {}, { workerId: id, timeoutMs: 5000 });
    assert.equal(again.replies[id]?.ok, true);
    assert.deepEqual(await world.redis.keys('*{control}:reply*'), [], 'no reply list, no marker');
  } finally {
    await child.terminate();
  }
});

test('hardq control ping and shutdown: the worker answers, then stops and exits 0', async () => {
  const { child, id } = await startWorker({ pool: 'async' });
  const cli = (...args: string[]) => runCli('hardq', ['control', ...args, '--redis', world.server.url]);
  const ping = await cli('ping', '-d', id, '--timeout-ms', '5000');
  assert.equal(ping.code, 0, ping.stderr);
  assert.match(ping.stdout, new RegExp(`${id}\\s+ok\\s+ok: pong`));
  const json = await cli('pool_grow', '2', '-d', id, '--json', '--timeout-ms', '5000');
  assert.equal(JSON.parse(json.stdout).replies[id].data.concurrency, 52);
  const usage = await cli('rate_limit', 'only-one-word');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /rate_limit takes TASK RATE/);
  const shutdown = await cli('shutdown', '-d', id, '--timeout-ms', '5000');
  assert.equal(shutdown.code, 0, shutdown.stderr);
  assert.deepEqual(await child.exited, { code: 0, signal: null });
});
