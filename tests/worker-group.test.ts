/**
 * `hardq worker --processes 2` as real processes: both children register under one group
 * id and `hardq inspect stats` lists them together; a child killed with kill -9 is replaced,
 * and its held messages are recovered by the reaper (every message succeeds, none is lost);
 * a child told to shut down is not restarted; SIGTERM to the parent stops every child gracefully, and the parent exits 0.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createApp, listWorkers, type App, type WorkerView } from 'hardq';
import { spawnConsumer, killAllConsumers } from '../scripts/chaos-processes.ts';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { killCliChildren, runCli } from './fixtures/cli.ts';

const world = privateRedis();
const appModule = fileURLToPath(new URL('./fixtures/pool-app.ts', import.meta.url));
let app: App;

after(async () => {
  await killCliChildren();
  await killAllConsumers();
  await app?.close();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('--processes 2: one group in inspect, a child killed with -9 is replaced and loses nothing, SIGTERM stops all', async (t) => {
  process.env.REDIS_URL = world.server.url;
  app = createApp({ redis: world.server.url });
  const queue = randomUUID();
  const parent = spawnConsumer({ entry: 'cli', app: appModule, redis: world.server.url, timeLimitMs: 90_000, args: ['--processes', '2', '-Q', queue, '-c', '4', '--quiet'] });
  const members = async (): Promise<WorkerView[]> => (await listWorkers(app)).filter((w) => w.online && w.queues.includes(queue));
  await waitFor(async () => (await members()).length === 2, { timeoutMs: 30_000, what: 'two worker processes to register' });
  const [one, two] = await members();
  assert.ok(one!.group !== undefined && one!.group === two!.group, 'both carry the same group id');
  assert.notEqual(one!.pid, two!.pid);
  const group = one!.group!;

  const stats = await runCli('hardq', ['inspect', 'stats', '--redis', world.server.url]);
  assert.equal(stats.code, 0, stats.stderr);
  assert.match(stats.stdout, new RegExp(`group ${group}: 2 worker process\\(es\\)`));

  const runs = `runs-${randomUUID()}`;
  const naps = await app.sendMany('nap', Array.from({ length: 24 }, () => [runs, 1000]), { queue });
  await waitFor(async () => (await members()).some((w) => w.active.length > 0), { what: 'a child to hold running naps' });
  const victim = (await members()).find((w) => w.active.length > 0)!;
  const killedAt = Date.now();
  process.kill(victim.pid, 'SIGKILL');
  await waitFor(async () => {
    const now = await members();
    return now.length === 2 && now.every((w) => w.pid !== victim.pid && w.group === group);
  }, { timeoutMs: 30_000, what: 'the killed child to be replaced in the same group' });
  const replacedMs = Date.now() - killedAt;
  await Promise.all(naps.map((nap) => nap.get({ timeoutMs: 60_000 })));
  t.diagnostic(`kill -9 of a child holding ${victim.active.length} running naps: its replacement online after ${replacedMs} ms; every nap done ${Date.now() - killedAt} ms after the kill`);
  assert.ok(Number(await world.redis.get(runs)) >= 24, 'every nap ran (those the dead child held, again)');
  assert.match(parent.output(), new RegExp(`pid ${victim.pid}\\) died \\(signal SIGKILL\\)`));

  // A child stopped on purpose (exit 0) is not restarted.
  const [stopped, kept] = await members();
  const shutdown = await runCli('hardq', ['control', 'shutdown', '-d', stopped!.id, '--redis', world.server.url, '--timeout-ms', '5000']);
  assert.equal(shutdown.code, 0, shutdown.stderr);
  await waitFor(() => parent.output().includes(`pid ${stopped!.pid}) stopped cleanly; not restarting it`), { what: 'the parent to see the clean stop' });
  assert.equal(alive(stopped!.pid), false);
  assert.deepEqual((await members()).map((w) => w.pid), [kept!.pid]);

  const children = (await members()).map((w) => w.pid);
  assert.deepEqual(await parent.terminate(), { code: 0, signal: null });
  assert.deepEqual(children.filter(alive), [], 'no child outlives the parent');
  assert.deepEqual((await listWorkers(app)).filter((w) => w.group === group && w.online), [], 'each child left the registry');
  assert.equal(await world.redis.llen(app.keys.ready(queue)), 0);
});
