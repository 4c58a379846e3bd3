/**
 * Three `hardq beat` processes, one 1 s schedule with catchUp 'all', ~30 s of Redis time;
 * the leader is killed with kill -9 twice. Every slot in the window must be on the ready
 * list exactly once (checked by slot ids and markers). The takeover time (kill to a new
 * token in the lease key) and the latest slot are measured and printed, not asserted.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Keys } from '../../shared/keys.ts';
import { killCliChildren, startCli, type RunningCli } from '../fixtures/cli.ts';
import { startRedis } from '../helpers/redis-server.ts';
import { waitFor } from '../helpers/wait-for.ts';

after(killCliChildren);

const leaseMs = 2000;

test('three beats, leader killed twice: every 1 s slot in 30 s sent exactly once', { timeout: 120_000 }, async () => {
  const server = await startRedis();
  const redis = new Redis(server.url);
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const queue = randomUUID();
  const keys = new Keys(prefix);
  const now = async () => {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };
  const beats: RunningCli[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      beats.push(startCli('hardq', ['beat', '-A', 'tests/fixtures/beat-app.ts', '--redis', server.url, '--lease-ms', String(leaseMs), '--tick-ms', '100'],
        { env: { BEAT_PREFIX: prefix, BEAT_QUEUE: queue }, timeoutMs: 110_000 }));
    }
    const leader = async () => (await redis.get(keys.beatLeader())) ?? undefined;
    await waitFor(leader, { what: 'a leader', timeoutMs: 20_000 });
    const createdAtMs = (JSON.parse(String(await redis.hget(keys.beatState(), 'tick'))) as { createdAtMs: number }).createdAtMs;

    const takeovers: number[] = [];
    for (const atMs of [createdAtMs + 8000, createdAtMs + 18_000]) {
      await waitFor(async () => (await now()) >= atMs, { what: 'the kill time', timeoutMs: 20_000 });
      const token = (await leader())!;
      const pid = Number(token.split(':').at(-2));
      assert.ok(beats.some((beat) => beat.child.pid === pid), `the leader ${token} is one of ours`);
      process.kill(pid, 'SIGKILL');
      const killedAt = performance.now();
      await waitFor(async () => {
        const next = await leader();
        return next !== undefined && next !== token;
      }, { what: 'a new leader', timeoutMs: 20_000, intervalMs: 5 });
      takeovers.push(performance.now() - killedAt);
    }
    await waitFor(async () => (await now()) >= createdAtMs + 30_500, { what: '30 s of slots', timeoutMs: 30_000 });
    for (const beat of beats) if (beat.child.exitCode === null && beat.child.signalCode === null) beat.child.kill('SIGTERM');
    const exits = await Promise.all(beats.map((beat) => beat.exited));
    assert.equal(exits.filter((exit) => exit.signal === 'SIGKILL').length, 2, 'two beats were killed');
    assert.ok(exits.filter((exit) => exit.code === 0).length === 1, 'the last beat stopped cleanly');

    const state = JSON.parse(String(await redis.hget(keys.beatState(), 'tick'))) as { version: number; handledThroughMs: number };
    const window: number[] = [];
    for (let slot = Math.floor(createdAtMs / 1000) * 1000 + 1000; slot <= state.handledThroughMs; slot += 1000) window.push(slot);
    const ids = (await redis.lrange(keys.ready(queue), 0, -1)).map((raw) => (JSON.parse(raw) as { id: string }).id);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const expected = window.map((slot) => `tick:v${state.version}:${slot}`);
    const missing = expected.filter((id) => !counts.has(id));
    const doubled = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    const extra = [...counts.keys()].filter((id) => !expected.includes(id));
    const lateness = await Promise.all(window.map(async (slot) => Number(await redis.get(keys.beatSlot(queue, `tick:v${state.version}:${slot}`))) - slot));
    console.log(`beat kill test: ${window.length} slots in the window, ${ids.length} sent, ${missing.length} missing, ${doubled.length} doubled, `
      + `${extra.length} outside the window; takeover after kill -9: ${takeovers.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')} `
      + `(lease ${leaseMs} ms); latest slot sent ${(Math.max(...lateness) / 1000).toFixed(2)} s after its time`);
    assert.ok(window.length >= 29, `the window holds ${window.length} slots`);
    assert.deepEqual({ missing, doubled, extra }, { missing: [], doubled: [], extra: [] });
    assert.ok(lateness.every((ms) => ms >= 0), 'no slot sent before its time');
  } finally {
    redis.disconnect();
    await killCliChildren();
    await server.stop();
  }
});
