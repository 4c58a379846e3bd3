/**
 * `hardq beat` as a real process: add, list and rm change and show the schedules in Redis;
 * `hardq beat -A` sends the app's schedule, and SIGTERM stops it with exit 0 and gives the
 * lead back at once.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Keys } from '../shared/keys.ts';
import { killCliChildren, runCli, startCli } from './fixtures/cli.ts';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';

const world = privateRedis();
after(killCliChildren);

test('hardq beat add, list and rm', async () => {
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const env = { BEAT_PREFIX: prefix };
  const base = ['beat', '-A', 'tests/fixtures/beat-app.ts', '--redis', world.server.url];
  const added = await runCli('hardq', [...base, 'add', 'nightly', '--task', 'tick', '--args', '[1]', '--cron', '30 2 * * *', '--tz', 'Europe/Berlin', '--catch-up', 'none'], { env });
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.stdout.trim(), 'added nightly (version 1)');
  const listed = await runCli('hardq', [...base, 'list'], { env });
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^leader: none \(no beat running\)$/m);
  assert.match(listed.stdout, /^nightly\s+v1\s+cron 30 2 \* \* \* \(Europe\/Berlin\)\s+tick\s+\(route\)\s+none\s+-\s+\d{4}-\d\d-\d\dT\d\d:30:00Z$/m);
  const bad = await runCli('hardq', [...base, 'add', 'x', '--task', 'tick', '--every', '5 minutes'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^every must be/);
  assert.equal((await runCli('hardq', [...base, 'rm', 'nightly'], { env })).stdout.trim(), 'removed nightly');
  const again = await runCli('hardq', [...base, 'rm', 'nightly'], { env });
  assert.equal(again.code, 1);
  assert.equal(again.stdout.trim(), 'no schedule named nightly');
});

test('hardq beat -A sends the app schedule; SIGTERM stops it with exit 0 and releases the lease', async () => {
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const queue = randomUUID();
  const keys = new Keys(prefix);
  const beat = startCli('hardq', ['beat', '-A', 'tests/fixtures/beat-app.ts', '--redis', world.server.url, '--lease-ms', '3000', '--tick-ms', '100'],
    { env: { BEAT_PREFIX: prefix, BEAT_QUEUE: queue } });
  await waitFor(async () => (await world.redis.llen(keys.ready(queue))) >= 1, { what: 'the first tick slot', timeoutMs: 15_000 });
  assert.match(String(await world.redis.get(keys.beatLeader())), new RegExp(`:${beat.child.pid}:`));
  beat.child.kill('SIGTERM');
  const exit = await beat.exited;
  assert.equal(exit.code, 0, exit.stderr);
  assert.match(exit.stderr, /leading since/);
  assert.match(exit.stderr, /beat stopped: \d+ slot\(s\) sent/);
  assert.equal(await world.redis.exists(keys.beatLeader()), 0, 'the lease was given back');
  const [message] = await world.redis.lrange(keys.ready(queue), -1, -1);
  assert.match(JSON.parse(message!).id as string, /^tick:v1:\d+000$/);
});
