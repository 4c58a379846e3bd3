/**
 * Fuzz: a thousand bad messages of every kind we know, LPUSHed raw (a foreign producer, a
 * bug, an attacker) among good ones. The worker must dead-letter each with the right reason,
 * fail the readable ids, run the good ones, and keep running with nothing left held.
 * FUZZ_SEED=<n> replays a run; the seed is in every failure message.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskEvent } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness, type Harness } from './fixtures/harness.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

const maxMessageBytes = 65_536;
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function random(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Reason = 'malformed' | 'invalid' | 'too-large' | 'unknown-task';
type Bad = { kind: string; raw: string; reason: Reason; /** Readable: its result must become FAILURE. */ id?: string };
type Kind = { kind: string; make: (n: number, pick: <T>(values: T[]) => T) => Omit<Bad, 'kind'> };

const message = (n: number, fields: Record<string, unknown> = {}): Record<string, unknown> => ({ v: 1, id: `bad-${n}`, task: 'add', args: [n, n], ...fields });
const without = (field: string, n: number) => {
  const { [field]: _dropped, ...rest } = message(n);
  return rest;
};
/** A wrong value for each field; `1e400` parses to Infinity, which no field takes. */
const wrongValues: Record<string, unknown[]> = {
  v: ['1', true, null, [1], 1.5], id: [7, null, {}, ['x'], true], task: [3, '', null, ['add']], args: [{}, '2,3', null, 5],
  kwargs: [[], null, 'k=1', 3], queue: [1, {}, true, []], createdAt: ['now', true, {}, null, 'INFINITY'],
  eta: ['2030-01-01', false, [], 'INFINITY'], expires: [true, '1', {}, 'INFINITY'],
  retries: [-1, 1.5, '2', null, true], deliveries: ['2', -3, 0.5, {}],
};
const json = (value: unknown) => JSON.stringify(value).replace('"INFINITY"', '1e400');
const deep = (n: number, depth: number, fields: Record<string, unknown>) =>
  json(message(n, { ...fields, args: ['DEEP'] })).replace('"DEEP"', '['.repeat(depth) + ']'.repeat(depth));

const kinds: Kind[] = [
  { kind: 'not JSON', make: (n, pick) => ({ raw: `${pick(['garbage', 'v=1&id=2', '<xml/>', 'undefined'])} ${n}`, reason: 'malformed' }) },
  { kind: 'cut-off JSON', make: (n) => ({ raw: json(message(n)).slice(0, -7), reason: 'malformed' }) },
  { kind: 'a JSON array', make: (n) => ({ raw: json([message(n)]), reason: 'malformed' }) },
  { kind: 'a JSON number', make: (n) => ({ raw: String(n), reason: 'malformed' }) },
  { kind: 'a JSON string', make: (n) => ({ raw: json(`message ${n}`), reason: 'malformed' }) },
  { kind: 'JSON null', make: () => ({ raw: 'null', reason: 'malformed' }) },
  { kind: 'JSON true', make: () => ({ raw: 'true', reason: 'malformed' }) },
  ...Object.entries(wrongValues).map(([field, values]): Kind => ({
    kind: `a wrong ${field}`,
    make: (n, pick) => ({ raw: json(message(n, { [field]: pick(values) })), reason: 'invalid', id: field === 'id' ? undefined : `bad-${n}` }),
  })),
  ...['v', 'id', 'task', 'args'].map((field): Kind => ({
    kind: `no ${field}`, make: (n) => ({ raw: json(without(field, n)), reason: 'invalid', id: field === 'id' ? undefined : `bad-${n}` }),
  })),
  { kind: 'v 3', make: (n) => ({ raw: json(message(n, { v: 3 })), reason: 'invalid', id: `bad-${n}` }) },
  { kind: 'v 99', make: (n) => ({ raw: json(message(n, { v: 99 })), reason: 'invalid', id: `bad-${n}` }) },
  { kind: 'an id with a comma', make: (n, pick) => ({ raw: json(message(n, { id: pick([`bad-${n},x`, `,${n}`, `${n},`]) })), reason: 'invalid' }) },
  { kind: 'an empty id', make: (n) => ({ raw: json(message(n, { id: '' })), reason: 'invalid' }) },
  { kind: 'an unknown task', make: (n, pick) => ({ raw: json(message(n, { task: pick(['no_such_task', 'ADD', 'add ', '__proto__', 'constructor']) })), reason: 'unknown-task', id: `bad-${n}` }) },
  // The producer refuses these, so only a raw LPUSH can make one; a registered task, so only the size is wrong.
  { kind: 'too large', make: (n) => ({ raw: json(message(n, { args: ['é'.repeat(maxMessageBytes / 2), n] })), reason: 'too-large' }) },
  { kind: 'deep args, unknown task', make: (n, pick) => ({ raw: deep(n, pick([1000, 5000, 20_000]), { task: 'no_such_task' }), reason: 'unknown-task', id: `bad-${n}` }) },
  { kind: 'deep args, v 3', make: (n, pick) => ({ raw: deep(n, pick([1000, 5000, 20_000]), { v: 3 }), reason: 'invalid', id: `bad-${n}` }) },
];

/**
 * The reaper rewrites a redelivered message by putting `{"deliveries":N,` in front of its
 * fields (requeue-dead-consumer.lua) and leaves anything else as it is, so every kind
 * that starts as an object comes in that shape too.
 */
const allKinds: Kind[] = kinds.flatMap((k) => k.make(0, (values) => values[0]!).raw.startsWith('{')
  ? [k, { kind: `${k.kind}, redelivered`, make: (n, pick) => {
    const bad = k.make(n, pick);
    return { ...bad, raw: `{"deliveries":3,${bad.raw.slice(1)}` };
  } }]
  : [k]);

/** `count` bad messages, every kind in turn, shuffled among `goodCount` good `add` calls. */
function generate(count: number, goodCount: number, rng: () => number) {
  const pick = <T>(values: T[]) => values[Math.floor(rng() * values.length)]!;
  const bad: Bad[] = Array.from({ length: count }, (_, n) => {
    const kind = allKinds[n % allKinds.length]!;
    return { kind: kind.kind, ...kind.make(n, pick) };
  });
  const good = Array.from({ length: goodCount }, (_, n) => ({ id: `good-${n}`, raw: json({ v: 1, id: `good-${n}`, task: 'add', args: [n, 1] }) }));
  const raws = [...bad.map((b) => b.raw), ...good.map((g) => g.raw)];
  for (let i = raws.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [raws[i], raws[j]] = [raws[j]!, raws[i]!];
  }
  return { bad, good, raws };
}

type DeadEntry = { reason: string; raw: string; rawBytes?: number; truncated?: boolean };

/** What each bad message should leave in the dead-letter list: a too-large one keeps 1,024 characters. */
const expectedEntry = (bad: Bad) => `${bad.reason} ${bad.reason === 'too-large' ? bad.raw.slice(0, 1024) : bad.raw}`;

async function fuzz(h: Harness, mode: 'simple' | 'reliable', badCount: number, goodCount: number) {
  const rng = random(seed);
  const { bad, good, raws } = generate(badCount, goodCount, rng);
  assert.ok(new Set(bad.map((b) => b.kind)).size >= 20, 'at least 20 kinds');
  h.app.task('add', (a: number, b: number) => a + b);
  const ready = h.app.keys.ready(h.queue);
  const dead = h.app.keys.dead(h.queue);
  for (let i = 0; i < raws.length; i += 100) await h.raw.lpush(ready, ...raws.slice(i, i + 100));

  const worker = h.app.worker({ queues: [h.queue], mode });
  const events: TaskEvent[] = [];
  worker.on('task', (event) => events.push(event));
  let stopped: unknown = false;
  const running = worker.run().then(() => (stopped = 'returned'), (error: unknown) => (stopped = error));
  const resultOf = async (ids: string[]) =>
    ids.length === 0 ? [] : (await h.raw.mget(...ids.map((id) => h.app.keys.result(h.queue, id)))).map((r) => (r === null ? null : JSON.parse(r)));
  const where = `(${mode}, FUZZ_SEED=${seed})`;
  try {
    // The deadline is a bound, not a timing window: the assertions below say what is missing.
    await waitFor(async () => (await h.raw.llen(dead)) >= bad.length
      && (await resultOf(good.map((g) => g.id))).every((r) => r?.state === 'SUCCESS'), { timeoutMs: 15_000, what: `every message handled ${where}` })
      .catch(() => {});

    const entries = (await h.raw.lrange(dead, 0, -1)).map((raw) => JSON.parse(raw) as DeadEntry);
    const unmatched = new Map<string, number>();
    for (const entry of entries) unmatched.set(`${entry.reason} ${entry.raw}`, (unmatched.get(`${entry.reason} ${entry.raw}`) ?? 0) + 1);
    const missingByKind: Record<string, number> = {};
    for (const b of bad) {
      const key = expectedEntry(b);
      const left = unmatched.get(key) ?? 0;
      if (left > 0) unmatched.set(key, left - 1);
      else missingByKind[`${b.kind} (expected ${b.reason})`] = (missingByKind[`${b.kind} (expected ${b.reason})`] ?? 0) + 1;
    }
    const extra = [...unmatched].filter(([, left]) => left > 0).map(([key]) => key.slice(0, 120));
    assert.deepEqual(missingByKind, {}, `bad messages with no dead-letter entry of the expected reason ${where}; entries unaccounted for: ${JSON.stringify(extra.slice(0, 10))}`);
    assert.equal(entries.length, bad.length, `one entry per bad message ${where}`);
    for (const entry of entries.filter((e) => e.reason === 'too-large')) {
      assert.equal(entry.truncated, true);
      assert.ok(entry.rawBytes! > maxMessageBytes, 'rawBytes is the full size');
    }

    const goodResults = await resultOf(good.map((g) => g.id));
    assert.deepEqual(goodResults.map((r) => [r?.state, r?.value]), good.map((_, n) => ['SUCCESS', n + 1]), `every good message ran ${where}`);
    const readable = bad.filter((b) => b.id !== undefined);
    const failures = await resultOf(readable.map((b) => b.id!));
    const wrong = readable.filter((b, i) => failures[i]?.state !== 'FAILURE' || failures[i]?.reason !== b.reason).map((b) => b.kind);
    assert.deepEqual([...new Set(wrong)], [], `readable ids whose result is not FAILURE with the dead-letter reason ${where}`);
    const commaIds = bad.filter((b) => b.kind.startsWith('an id with a comma')).map((b) => JSON.parse(b.raw).id as string);
    assert.deepEqual((await resultOf(commaIds)).filter((r) => r !== null), [], 'no result is written under an id with a comma');

    assert.equal(stopped, false, `the worker is still running ${where}`);
    assert.equal(worker.counts.DEAD, bad.length);
    assert.equal(events.filter((e) => e.state === 'SUCCESS').length, good.length);
    if (mode === 'reliable') {
      // Acks are written in batches after the results: wait for the last one.
      const held = [h.app.keys.processing(h.queue, worker.consumerId), h.app.keys.quarantine(h.queue, worker.consumerId), h.app.keys.claimed(h.queue, worker.consumerId)];
      await waitFor(async () => (await h.raw.exists(...held)) === 0, { what: `empty processing and quarantine lists and claimed hash ${where}` });
    }
    assert.equal(await h.raw.llen(ready), 0, 'nothing left on the ready list');
    const after = await h.app.sendTask('add', [40, 2]);
    assert.equal(await after.get({ timeoutMs: 10_000 }), 42, 'the worker still takes new work');
  } finally {
    await h.close();
    await running;
  }
}

test('reliable: 1,000 bad messages of every kind are dead-lettered with their reason, and the worker runs on', async () => {
  await fuzz(harness(server.url, { maxMessageBytes }), 'reliable', 1000, 200);
});

test('simple: 300 bad messages of every kind are dead-lettered with their reason, and the worker runs on', async () => {
  await fuzz(harness(server.url, { maxMessageBytes }), 'simple', 300, 50);
});
