/**
 * Control commands and beat schedules are signed too (issue 14, item 3), against a real
 * redis-server: a worker with `require` answers only signed commands, and a beat reads
 * only schedules whose signature holds (admin/control.ts, consumer/control/mailbox.ts,
 * beat/store.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { addSchedule, controlWorkers, createApp, listWorkers } from 'hardq';
import { loadSchedules } from '../beat/store.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

const signing = { keys: { k1: 'the control key, 16 bytes or more' }, current: 'k1' };

test('a worker with require answers a signed command, and refuses an unsigned or wrongly signed one', async () => {
  const prefix = `p${randomUUID().slice(0, 8)}`;
  const lines: string[] = [];
  const worker = createApp({ redis: server.url, prefix, signing, log: (line) => lines.push(line) });
  const running = worker.worker({ consumerId: 'w1' }).run();
  const admins = {
    signed: createApp({ redis: server.url, prefix, signing }),
    unsigned: createApp({ redis: server.url, prefix }),
    wrong: createApp({ redis: server.url, prefix, signing: { keys: { k1: 'not the key the worker holds' }, current: 'k1' } }),
  };
  try {
    const [record] = await waitFor(async () => {
      const workers = await listWorkers(admins.signed);
      return workers.length === 1 ? workers : undefined;
    }, { what: 'the worker in the registry' });
    assert.equal(record!.conf.signing, 'key k1 (keys k1), unsigned refused', 'inspect conf names the keys, never a secret');
    assert.ok(!JSON.stringify(record).includes(signing.keys.k1));
    const ping = async (app: ReturnType<typeof createApp>) => (await controlWorkers(app, 'ping', {}, { workerId: 'w1', timeoutMs: 3000 })).replies.w1;
    assert.equal((await ping(admins.signed))?.ok, true);
    assert.match(JSON.stringify(await ping(admins.unsigned)), /refused \(unsigned\)/);
    assert.match(JSON.stringify(await ping(admins.wrong)), /refused \(bad-signature\)/);
    const shutdown = await controlWorkers(admins.unsigned, 'shutdown', {}, { workerId: 'w1', timeoutMs: 3000 });
    assert.match(JSON.stringify(shutdown.replies.w1), /refused/);
    assert.equal((await ping(admins.signed))?.ok, true, 'the worker did not shut down');
    assert.ok(lines.some((line) => /control mailbox: refused shutdown/.test(line)), lines.join('\n'));
  } finally {
    await Promise.all(Object.values(admins).map((app) => app.close()));
    await worker.close();
    await running;
  }
});

test('beat schedules are stored signed; a beat with keys skips unsigned and tampered ones; storing the same one again changes nothing', async () => {
  const prefix = `p${randomUUID().slice(0, 8)}`;
  const signed = createApp({ redis: server.url, prefix, signing });
  const unsigned = createApp({ redis: server.url, prefix });
  try {
    assert.equal((await addSchedule(signed, 'good', { task: 'add', args: [1, 2] }, { every: '1m' })).outcome, 'added');
    assert.equal((await addSchedule(signed, 'good', { task: 'add', args: [1, 2] }, { every: '1m' })).outcome, 'unchanged');
    await addSchedule(signed, 'tampered', { task: 'add', args: [1, 2] }, { every: '1m' });
    await addSchedule(unsigned, 'planted', { task: 'add', args: [6, 6] }, { every: '1m' });
    const redis = await signed.connection();
    const stored = JSON.parse((await redis.hget(signed.keys.beatSchedules(), 'tampered'))!);
    await redis.hset(signed.keys.beatSchedules(), 'tampered', JSON.stringify({ ...stored, args: [1000, 2] }));
    const refused: string[] = [];
    const loaded = await loadSchedules(redis, signed, (name, why) => refused.push(`${name}: ${why}`));
    assert.deepEqual(loaded.map((entry) => entry.definition.name), ['good']);
    assert.equal(refused.length, 2);
    assert.match(refused.find((line) => line.startsWith('planted'))!, /refused \(unsigned/);
    assert.match(refused.find((line) => line.startsWith('tampered'))!, /refused \(bad-signature/);
  } finally {
    await signed.close();
    await unsigned.close();
  }
});
