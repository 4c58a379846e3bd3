/**
 * A signed canvas step's unsigned parentResults and failure are checked against the result
 * keys of the parents its signature names (consumer/parent-results.ts), against a real
 * redis-server: what is forged is dead-lettered as `bad-parent-results` and never runs;
 * what is honest runs, even when its JSON is spelled differently from the stored result.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chain, chord, createApp, type TaskContext } from 'hardq';
import { signatureMessage } from '../shared/canvas-start.ts';
import { resolveSigning, type SigningConfig } from '../shared/signing.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

const signingConfig: SigningConfig = { keys: { k1: 'a parent-results key, 16 bytes or more' }, current: 'k1' };
const signing = resolveSigning(signingConfig)!;

function appOn(queue: string) {
  const app = createApp({ redis: server.url, defaultQueue: queue, signing: signingConfig, log: () => {} });
  const runs: string[] = [];
  const echo = app.task('echo', (ctx: TaskContext, ...args: unknown[]) => (runs.push(ctx.id), args), { bind: true });
  const sum = app.task('sum', (values: number[]) => values.reduce((x, y) => x + y, 0));
  const num = app.task('num', (n: number) => n);
  return { app, echo, sum, num, runs };
}

const deadLetters = async (app: ReturnType<typeof createApp>, queue: string) =>
  (await (await app.connection()).lrange(app.keys.dead(queue), 0, -1)).map((raw) => JSON.parse(raw) as { reason: string; error: string; raw: string });

/** A signed echo step whose parent is `parent` (id on `queue`), with `valueJson` or `failure` written in after signing. */
function step(queue: string, parent: { id: string; valueJson?: string; failure?: { id: string; task: string; error: { name: string; message: string } } }) {
  const sig = { type: 'task' as const, task: 'echo', args: [], options: { queue, taskId: randomUUID() } };
  const handed = parent.failure !== undefined ? { failure: parent.failure } : { valueJson: parent.valueJson! };
  return { id: sig.options.taskId, raw: signatureMessage(sig, { parent: { ...handed, id: parent.id, queue }, signing }, Date.now()).raw };
}

test('a forged parentResults or failure is dead-lettered as bad-parent-results; an honest one runs, compared as JSON values', async () => {
  const queue = randomUUID();
  const { app, echo, runs } = appOn(queue);
  const running = app.worker().run();
  try {
    const parent = await echo.delay(1, { b: 2, a: 0.5 });
    assert.deepEqual(await parent.get({ timeoutMs: 10_000 }), [1, { b: 2, a: 0.5 }]);
    const honest = step(queue, { id: parent.id, valueJson: '[1.0, {"a": 5e-1, "b": 2}]' }); // same value, other spelling
    const forged = step(queue, { id: parent.id, valueJson: '[666]' });
    const forgedFailure = step(queue, { id: parent.id, failure: { id: parent.id, task: 'echo', error: { name: 'Error', message: 'invented' } } });
    const redis = await app.connection();
    await redis.lpush(app.keys.ready(queue), honest.raw, forged.raw, forgedFailure.raw);
    assert.deepEqual(await app.asyncResult(honest.id, { queue }).get({ timeoutMs: 10_000 }), [[1, { a: 0.5, b: 2 }]]);
    const dead = await waitFor(async () => {
      const entries = await deadLetters(app, queue);
      return entries.length === 2 ? entries : undefined;
    }, { what: 'two dead letters' });
    assert.deepEqual(dead.map((entry) => entry.reason), ['bad-parent-results', 'bad-parent-results']);
    assert.ok(!runs.includes(forged.id) && !runs.includes(forgedFailure.id), 'neither forged step ran');
  } finally {
    await app.close();
    await running;
  }
});

test("a chord body whose header result was changed in the chord's hash is dead-lettered; the header results are read per queue", async () => {
  const queue = randomUUID();
  const other = randomUUID();
  const { app, num, sum } = appOn(queue);
  const slow = appOn(other); // its worker starts only after the tampering
  const redis = await app.connection();
  const running = app.worker().run();
  let runningOther: Promise<void> | undefined;
  try {
    const body = await chord([num.s(1), slow.num.s(2).set({ queue: other })], sum.s()).delay();
    const chordKey = app.keys.chord(queue, body.parent!.id);
    await waitFor(async () => ((await redis.hget(chordKey, 'r0')) !== null ? true : undefined), { what: 'the first header result in the chord' });
    await redis.hset(chordKey, 'r0', '[100]');
    runningOther = slow.app.worker({ queues: [other] }).run();
    const dead = await waitFor(async () => {
      const entries = await deadLetters(app, queue);
      return entries.length === 1 ? entries : undefined;
    }, { what: 'the body dead-lettered' });
    assert.equal(dead[0]!.reason, 'bad-parent-results');
    assert.match(dead[0]!.error, /differs from the stored result/);
    // Untouched, the same shape across two queues runs.
    assert.deepEqual(await (await chord([num.s(1), slow.num.s(2).set({ queue: other })], chain(sum.s(), num.s())).delay()).get({ timeoutMs: 10_000 }), 3);
  } finally {
    await app.close();
    await slow.app.close();
    await running;
    await runningOther;
  }
});

test('under require, a failure passed down a chain and to linkError is checked and accepted when honest; allowFailures too', async () => {
  const queue = randomUUID();
  const { app, num, sum, echo } = appOn(queue);
  const boom = app.task('boom', () => {
    throw new Error('boom');
  });
  const running = app.worker().run();
  try {
    const toldId = randomUUID();
    const last = await chain(boom.s().linkError(echo.s().set({ taskId: toldId })), num.s(), num.s()).delay();
    await assert.rejects(last.get({ timeoutMs: 10_000 }), /boom/, 'the third step names the first failure, checked through the second');
    const [told] = (await app.asyncResult(toldId, { queue }).get({ timeoutMs: 10_000 })) as [{ error: { message: string } }];
    assert.equal(told.error.message, 'boom', 'the error callback got the failure description, checked against the FAILURE record');
    const body = await chord([num.s(1), boom.s()], echo.s(), { allowFailures: true }).delay();
    const [results] = (await body.get({ timeoutMs: 10_000 })) as [[number, { id: string; error: { message: string } }]];
    assert.equal(results[0], 1);
    assert.equal(results[1].error.message, 'boom');
    assert.deepEqual(await deadLetters(app, queue), []);
  } finally {
    await app.close();
    await running;
  }
});
