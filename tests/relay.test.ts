/**
 * The cross-queue relay with real processes: a relay killed with kill -9 after each of its
 * steps (read, delivered, forgotten), then a fresh relay, loses no entry and acts on none
 * twice: each message reaches its target list once, and a chord part counts once. Also a
 * worker killed between its ack (which wrote the outbox) and its relay: another worker's
 * relay delivers. Runs on one Redis and on a local 3-master cluster (same code path).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { Keys } from '../shared/keys.ts';
import { followUpProgram, type FollowUp } from '../shared/follow-ups.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { startCluster, connectRaw, type TestCluster } from './helpers/redis-cluster.ts';

const keys = new Keys();

/** Runs the relay child; resolves to its exit signal (SIGKILL when it died on purpose). */
function relayProcess(url: string, queue: string, dieAfter?: string): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', new URL('./fixtures/relay-child.ts', import.meta.url).pathname, url, queue, ...(dieAfter ? [dieAfter] : [])], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
}

/** What complete-batch.lua would LPUSH onto the source's outbox for these follow-ups. */
function outboxEntries(source: string, messageId: string, followUps: FollowUp[]): string[] {
  // The program is `push <outbox> <byte length>:<entry>` per follow-up: cut the entries out of it.
  const program = Buffer.from(followUpProgram(keys, source, messageId, followUps, 60_000, () => 1), 'utf8');
  const entries: string[] = [];
  let at = 0;
  while (at < program.length) {
    const header = /^push \d+ (\d+):/.exec(program.subarray(at, at + 40).toString('latin1'))!;
    const from = at + header[0].length;
    entries.push(program.subarray(from, from + Number(header[1])).toString('utf8'));
    at = from + Number(header[1]);
  }
  return entries;
}

for (const kind of ['one Redis', 'a 3-master cluster'] as const) {
  let server: RedisServer | undefined;
  let cluster: TestCluster | undefined;
  let url = '';
  before(async () => {
    if (kind === 'one Redis') url = (server = await startRedis()).url;
    else url = (cluster = await startCluster()).url;
  });
  after(async () => {
    await server?.stop();
    await cluster?.stop();
  });

  test(`${kind}: relays killed with -9 after reading, after delivering and after forgetting, then a fresh one: every entry acts exactly once`, async () => {
    const [source, target] = [randomUUID(), randomUUID()];
    const raw = connectRaw(url);
    try {
      const chordId = randomUUID();
      const followUps: FollowUp[] = [
        ...Array.from({ length: 5 }, (_, i) => ({ op: 'push' as const, queue: target, raw: `{"v":1,"id":"m${i}","task":"t","args":[[],0.30000000000000004]}` })),
        { op: 'init', queue: target, chordId, size: 2, body: '{"v":2,"id":"body","task":"t","args":[]}', immutable: false, allowFailures: false },
        { op: 'part', queue: target, chordId, index: 0, size: 2, value: '9007199254740993', failed: false },
        { op: 'part', queue: target, chordId, index: 1, size: 2, value: '[]', failed: false },
      ];
      const entries = outboxEntries(source, 'msg', followUps);
      await raw.lpush(keys.outbox(source), ...entries);
      // Batches of 3: each relay dies in the middle of the outbox, at its own step.
      for (const dieAfter of ['read', 'delivered', 'forgotten']) assert.equal(await relayProcess(url, source, dieAfter), 'SIGKILL');
      assert.equal(await relayProcess(url, source), null);
      assert.equal(await raw.llen(keys.outbox(source)), 0, 'the outbox is empty');
      const ready = await raw.lrange(keys.ready(target), 0, -1);
      const ids = ready.map((message) => JSON.parse(message).id).sort();
      assert.deepEqual(ids, ['body', 'm0', 'm1', 'm2', 'm3', 'm4'], 'each message once, and the chord body once');
      assert.ok(ready.includes('{"v":1,"id":"m0","task":"t","args":[[],0.30000000000000004]}'), 'payloads arrive as written');
      assert.ok(ready.includes('{"v":2,"id":"body","task":"t","args":[],"parentResults":[[9007199254740993,[]]]}'), 'the body gets the results spliced as text');
      assert.equal(await raw.hget(keys.chord(target, chordId), 'done'), '2');
    } finally {
      raw.disconnect();
    }
  });
}
