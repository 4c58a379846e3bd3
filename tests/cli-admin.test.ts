/**
 * The operator commands over admin/: `hardq inspect`, `hardq queues`, `hardq purge` and
 * `hardq dead`, as real processes against a worker that runs in this process.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { gate, harness } from './fixtures/harness.ts';
import { killCliChildren, runCli } from './fixtures/cli.ts';

const world = privateRedis();
after(killCliChildren);

const hardq = (...args: string[]) => runCli('hardq', [...args, '--redis', world.server.url], { timeoutMs: 30_000 });

test('hardq inspect active shows what a worker runs, as a table and as JSON; a wrong view is a usage error', async () => {
  const h = harness(world.server.url);
  const hold = gate();
  const held = h.app.task('hold', async () => hold.opened);
  try {
    const worker = h.start();
    const result = await held.delay();
    await waitFor(async () => (await hardq('inspect', 'active', '--json')).stdout.includes(result.id), { what: 'the task in inspect active' });
    const shown = await hardq('inspect', 'active');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`${worker.consumerId}: 1 task\\(s\\)[\\s\\S]*${result.id}\\s+hold\\s+${h.queue}`));
    const stats = await hardq('inspect', 'stats', '--json');
    assert.equal((JSON.parse(stats.stdout) as Record<string, { mode: string }>)[worker.consumerId]!.mode, 'reliable');
    const wrong = await hardq('inspect', 'activ');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /did you mean active/);
  } finally {
    hold.open();
    await h.close();
  }
});

test('hardq queues, purge and dead work on a queue\'s lists', async () => {
  const h = harness(world.server.url);
  const add = h.app.task('add', (a: number, b: number) => a + b);
  try {
    await add.applyMany([[1, 1], [2, 2]]);
    const dead = h.app.keys.dead(h.queue);
    await world.redis.lpush(dead, JSON.stringify({ reason: 'malformed', raw: 'x', queue: h.queue, deadAt: 1 }),
      JSON.stringify({ reason: 'unknown-task', raw: JSON.stringify({ v: 1, id: 'i1', task: 'add', args: [3, 3] }), queue: h.queue, deadAt: 2 }));
    const queues = await hardq('queues', '-Q', h.queue, '--json');
    assert.deepEqual((JSON.parse(queues.stdout) as { ready: number; dead: number }[]).map((q) => [q.ready, q.dead]), [[2, 2]]);
    assert.match((await hardq('queues', '-Q', h.queue)).stdout, new RegExp(`^queue\\s+ready[\\s\\S]*\\n${h.queue}\\s+2\\s+0\\s+0\\s+0\\s+2`));

    const list = await hardq('dead', 'list', '-Q', h.queue);
    assert.match(list.stdout, /malformed/);
    assert.match(list.stdout, /unknown-task\s+i1\s+add/);
    assert.equal((await hardq('dead', 'requeue', '-Q', h.queue)).code, 2, 'requeue needs a filter');
    assert.match((await hardq('dead', 'requeue', '-Q', h.queue, '--all')).stdout, /1 requeued .*1 skipped \(cannot run as they are: malformed\)/);
    assert.match((await hardq('dead', 'drop', '-Q', h.queue, '--reason', 'malformed')).stdout, /1 dropped/);
    assert.equal(await world.redis.llen(dead), 0);

    const refused = await hardq('purge', '-Q', h.queue);
    assert.equal(refused.code, 2, 'no terminal to ask on');
    assert.match(refused.stderr, /--force/);
    assert.match((await hardq('purge', '-Q', h.queue, '--force')).stdout, new RegExp(`${h.queue}: 3 ready message\\(s\\) deleted`));
    assert.equal(await world.redis.llen(h.app.keys.ready(h.queue)), 0);
  } finally {
    await h.close();
  }
});
