/**
 * shared/json-value.ts: the producer refuses what JSON cannot carry faithfully, naming the
 * path, before anything reaches Redis; a Date travels as its ISO string, and the types say so.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SerializationError } from 'hardq';
import { assertJson } from '../shared/json-value.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { harness } from './fixtures/harness.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

class Money {
  constructor(readonly cents: number) {}
}
const cyclic: { name: string; self?: unknown } = { name: 'loop' };
cyclic.self = cyclic;
const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays

const refusals: [string, unknown[], string, RegExp][] = [
  ['undefined', [1, undefined], 'args[1]', /undefined/],
  ['a nested undefined', [{ when: undefined }], 'args[0].when', /undefined/],
  ['a function', [() => 1], 'args[0]', /function/],
  ['a symbol', [{ tag: Symbol('x') }], 'args[0].tag', /symbol/],
  ['a BigInt', [[10n]], 'args[0][0]', /BigInt/],
  ['NaN', [{ score: NaN }], 'args[0].score', /NaN/],
  ['Infinity', [-Infinity], 'args[0]', /Infinity/],
  ['a cycle', [cyclic], 'args[0].self', /cycle/],
  ['a class instance', [1, { price: new Money(5) }], 'args[1].price', /instance of Money/],
  ['a Map', [new Map([[1, 2]])], 'args[0]', /instance of Map/],
  ['an invalid Date', [new Date('not a date')], 'args[0]', /invalid Date/],
  ['a hole in a sparse array', [sparse], 'args[0][1]', /hole/],
  ['an odd key', [{ 'first-name': undefined }], 'args[0]["first-name"]', /undefined/],
];

for (const [what, args, path, why] of refusals) {
  test(`refuses ${what}, naming ${path}`, () => {
    assert.throws(() => assertJson(args, 'args'), (error: unknown) => {
      assert.ok(error instanceof SerializationError, String(error));
      assert.equal(error.code, 'SERIALIZATION');
      assert.equal(error.path, path);
      assert.ok(error.message.startsWith(`${path} `), error.message);
      assert.match(error.message, why);
      return true;
    });
  });
}

test('accepts JSON values, null-prototype objects, shared (non-cyclic) references and Dates', () => {
  const shared = { x: 1 };
  assertJson([null, true, 0, -1.5, 'text', [], {}, Object.assign(Object.create(null), { a: 1 }), [shared, shared], new Date()], 'args');
});

test('a refused call sends nothing; the message names the path', async () => {
  const h = harness(server.url);
  const book = h.app.task('book', (room: { name: string; at: string }) => room.name);
  try {
    await assert.rejects(h.app.sendTask('book', [{ name: 'A', at: undefined }]), { name: 'SerializationError', path: 'args[0].at' });
    await assert.rejects(h.app.sendTask('book', [], { kwargs: { n: NaN } }), { path: 'kwargs.n' });
    await assert.rejects(book.applyMany([[{ name: 'ok', at: 'x' }], [{ name: 'bad', at: 1n as unknown as string }]]), (error: unknown) =>
      error instanceof SerializationError && /^message 1: args\[0\]\.at /.test(error.message));
    assert.equal(await h.raw.exists(h.app.keys.ready(h.queue)), 0, 'not one message of the batch was sent');
  } finally {
    await h.close();
  }
});

for (const mode of ['simple', 'reliable'] as const) {
  test(`${mode}: a Date arrives at the handler as its ISO string, and a returned Date as one too`, async () => {
    const h = harness(server.url);
    const seen: unknown[] = [];
    const remind = h.app.task('remind', (at: string, meta: { due: string }) => {
      seen.push(at, meta.due);
      return { next: new Date(Date.parse(at) + 1000) };
    });
    try {
      h.start({ mode });
      const at = new Date('2030-01-02T03:04:05.678Z');
      const result = await remind.delay(at, { due: at });
      const value = await result.get({ timeoutMs: 10_000 });
      assert.deepEqual(seen, ['2030-01-02T03:04:05.678Z', '2030-01-02T03:04:05.678Z']);
      assert.deepEqual(value, { next: '2030-01-02T03:04:06.678Z' });
      // The result's type says what arrives: a string, not a Date.
      const next: string = value.next;
      assert.equal(typeof next, 'string');
    } finally {
      await h.close();
    }
  });

  test(`${mode}: a handler returning what JSON cannot carry fails with SerializationError`, async () => {
    const h = harness(server.url);
    const leaky = h.app.task('leaky', () => ({ total: new Money(3) }));
    try {
      h.start({ mode });
      const result = await leaky.delay();
      await assert.rejects(result.get({ timeoutMs: 10_000 }), (error: { remote?: { name: string; message: string } }) =>
        error.remote?.name === 'SerializationError' && /^result\.total /.test(error.remote.message));
    } finally {
      await h.close();
    }
  });
}

test('types: a handler taking a Date cannot be called, a string parameter accepts a Date', () => {
  const h = harness(server.url);
  const app = h.app;
  const takesDate = app.task('takesDate', (when: Date) => when.getTime());
  const takesString = app.task('takesString', (when: string) => when.length);
  // These lines are checked by `npm run typecheck`; they never run.
  if (Math.random() > 2) {
    // @ts-expect-error a Date would arrive as a string, so the call does not compile
    void takesDate.delay(new Date());
    void takesString.delay(new Date());
    // @ts-expect-error the argument types flow from the handler
    void takesString.delay(42);
  }
  return h.close();
});
