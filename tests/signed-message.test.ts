/**
 * Signed messages end to end (consumer/signed-message.ts in execute.ts): against a real
 * redis-server, what a worker with signing keys runs, what it dead-letters and with which
 * reason, key rotation, retries signed again by the worker, and require off.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chain, chord, createApp, type TaskContext } from 'hardq';
import { buildMessage } from '../producer/send.ts';
import { resolveSigning, sign, verify, type SigningConfig } from '../shared/signing.ts';
import { requeueDeadLetters } from '../admin/dead-letters.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

const oldKey = 'the old key, 16 bytes or more';
const newKey = 'the new key, 16 bytes or more';
const workerSigning: SigningConfig = { keys: { k2: newKey, k1: oldKey }, current: 'k2', maxAgeMs: 60_000 };

/** An app on a fresh queue with an `echo` task that records each run by id. */
function appWith(queue: string, signing?: SigningConfig) {
  const app = createApp({ redis: server.url, defaultQueue: queue, signing, log: () => {} });
  const runs: string[] = [];
  const echo = app.task('echo', (ctx: TaskContext, ...args: unknown[]) => (runs.push(ctx.id), args), { bind: true });
  return { app, echo, runs };
}

const deadReasons = async (app: ReturnType<typeof createApp>, queue: string) =>
  (await (await app.connection()).lrange(app.keys.dead(queue), 0, -1)).map((raw) => JSON.parse(raw) as { reason: string; raw: string });

test('with require: unsigned, tampered, unknown-key, expired and moved messages are dead-lettered with their reason, never run, and mark no result', async () => {
  const queue = randomUUID();
  const producer = appWith(queue, { keys: { k1: oldKey }, current: 'k1' });
  const worker = appWith(queue, workerSigning);
  const redis = await producer.app.connection();
  const ready = producer.app.keys.ready(queue);
  const victim = await producer.echo.applyAsync([0], { countdownMs: 3_600_000 }); // a pending task someone wants to fail
  const signedFor = (app: ReturnType<typeof appWith>['app'], args: unknown[]) => JSON.parse(buildMessage(app, 'echo', args, {}).raw) as Record<string, unknown>;
  const rejected: Record<string, Record<string, unknown>> = {
    unsigned: { v: 1, id: victim.id, task: 'echo', args: [1] },
    'bad-signature': { ...signedFor(producer.app, [2]), args: [3] },
    'unknown-key': signedFor(createApp({ redis: server.url, signing: { keys: { k9: newKey }, current: 'k9' } }), [4]),
    'signature-expired': sign({ v: 1, id: randomUUID(), task: 'echo', args: [5], queue }, resolveSigning({ keys: { k1: oldKey }, current: 'k1' })!, 'message', Date.now() - 120_000),
  };
  const moved = signedFor(createApp({ redis: server.url, defaultQueue: 'elsewhere', signing: { keys: { k1: oldKey }, current: 'k1' } }), [6]);
  const invalidNamingVictim = { v: 1, id: victim.id, task: 'echo' }; // no args: invalid, and unsigned
  await redis.lpush(ready, ...Object.values(rejected).map((m) => JSON.stringify(m)), JSON.stringify(moved), JSON.stringify(invalidNamingVictim));
  const good = await producer.echo.delay('signed with the old key');

  const running = worker.app.worker({ promoteIntervalMs: 20 }).run();
  try {
    assert.deepEqual(await good.get({ timeoutMs: 10_000 }), ['signed with the old key'], 'a message signed with a listed old key runs');
    const dead = await waitFor(async () => {
      const entries = await deadReasons(producer.app, queue);
      return entries.length === 6 ? entries : undefined;
    }, { what: 'six dead letters' });
    assert.deepEqual(dead.map((entry) => entry.reason).sort(), ['bad-signature', 'bad-signature', 'invalid', 'signature-expired', 'unknown-key', 'unsigned']);
    for (const [reason, message] of Object.entries(rejected)) {
      assert.ok(dead.some((entry) => entry.reason === reason && entry.raw === JSON.stringify(message)), reason);
    }
    assert.deepEqual(worker.runs, [good.id], 'nothing else ran');
    assert.equal(await redis.get(producer.app.keys.result(queue, victim.id)), null, 'no forged message failed the pending task');
    for (const message of [...Object.values(rejected), moved]) assert.equal(await redis.get(producer.app.keys.result(queue, String(message.id))), null);
  } finally {
    await producer.app.close();
    await worker.app.close();
    await running;
  }
});

test('a retry is signed again by the worker (new eta and retries), and runs under require', async () => {
  const queue = randomUUID();
  const { app } = appWith(queue, { keys: { k1: oldKey }, current: 'k1' });
  const worker = createApp({ redis: server.url, defaultQueue: queue, signing: workerSigning, log: () => {} });
  let runs = 0;
  const handler = (ctx: TaskContext) => {
    runs++;
    if (ctx.retries === 0) ctx.retry({ countdownMs: 10, error: new Error('once more') });
    return ctx.retries;
  };
  const flaky = app.task('flaky', handler, { bind: true });
  worker.task('flaky', handler, { bind: true });
  const running = worker.worker({ promoteIntervalMs: 20 }).run();
  try {
    assert.equal(await (await flaky.delay()).get({ timeoutMs: 10_000 }), 1);
    assert.equal(runs, 2);
    assert.deepEqual(await deadReasons(app, queue), []);
  } finally {
    await app.close();
    await worker.close();
    await running;
  }
});

test('without require: an unsigned message runs, a signed one is still verified', async () => {
  const queue = randomUUID();
  const worker = appWith(queue, { ...workerSigning, require: false });
  const producer = appWith(queue, { keys: { k1: oldKey }, current: 'k1' });
  const tampered = { ...JSON.parse(buildMessage(producer.app, 'echo', [1], {}).raw), args: [2] };
  const redis = await worker.app.connection();
  await redis.lpush(worker.app.keys.ready(queue), JSON.stringify(tampered));
  const running = worker.app.worker().run();
  try {
    const plain = createApp({ redis: server.url, defaultQueue: queue });
    assert.deepEqual(await (await plain.task('echo', (..._args: unknown[]) => {}).delay('unsigned')).get({ timeoutMs: 10_000 }), ['unsigned']);
    await plain.close();
    const dead = await waitFor(async () => ((await deadReasons(worker.app, queue)).length === 1 ? deadReasons(worker.app, queue) : undefined), { what: 'one dead letter' });
    assert.equal(dead[0]!.reason, 'bad-signature');
    assert.equal(worker.runs.length, 1);
  } finally {
    await producer.app.close();
    await worker.app.close();
    await running;
  }
});

test('requeueing dead letters signs again only messages whose own signature holds', async () => {
  const queue = randomUUID();
  const worker = appWith(queue, workerSigning);
  const redis = await worker.app.connection();
  const unknownTask = buildMessage(worker.app, 'not-registered', [1], {}).raw;
  const tampered = JSON.stringify({ ...JSON.parse(buildMessage(worker.app, 'echo', [1], {}).raw), args: [2] });
  const retried = sign({ ...JSON.parse(buildMessage(worker.app, 'not-registered', [2], {}).raw), retries: 2 }, resolveSigning(workerSigning)!, 'message');
  await redis.lpush(worker.app.keys.ready(queue), unknownTask, tampered, JSON.stringify(retried));
  const running = worker.app.worker().run();
  await waitFor(async () => (await redis.llen(worker.app.keys.dead(queue))) === 3, { what: 'three dead letters' });
  await worker.app.close();
  await running;
  // An admin without keys requeues a signed message with its retries kept, so it still verifies.
  const keyless = createApp({ redis: server.url });
  assert.equal((await requeueDeadLetters(keyless, queue, { id: retried.id as string })).requeued, 1);
  const [kept] = await (await keyless.connection()).lrange(keyless.keys.ready(queue), 0, -1);
  assert.equal(JSON.parse(kept!).retries, 2);
  assert.deepEqual(verify(JSON.parse(kept!), resolveSigning(workerSigning)!, 'message', Date.now()), { ok: true, signed: true });
  await (await keyless.connection()).del(keyless.keys.ready(queue));
  await keyless.close();
  const admin = createApp({ redis: server.url, signing: workerSigning });
  try {
    const { requeued, skipped } = await requeueDeadLetters(admin, queue, { all: true });
    assert.equal(requeued, 1);
    assert.deepEqual(skipped.map((letter) => letter.reason), ['bad-signature']);
    const [again] = await (await admin.connection()).lrange(admin.keys.ready(queue), 0, -1);
    assert.equal(JSON.parse(again!).task, 'not-registered');
    assert.deepEqual(verify(JSON.parse(again!), admin.config.signing!, 'message', Date.now()), { ok: true, signed: true });
  } finally {
    await admin.close();
  }
});

test('a chain and a chord run under require: parentResults, which a Lua step fills in, is outside the signature', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue, signing: workerSigning, log: () => {} });
  const add = app.task('add', (a: number, b: number) => a + b);
  const sum = app.task('sum', (values: number[]) => values.reduce((x, y) => x + y, 0));
  const running = app.worker().run();
  try {
    assert.equal(await (await chain(add.s(1, 2), add.s(10)).delay()).get({ timeoutMs: 10_000 }), 13);
    assert.equal(await (await chord([add.s(1, 1), add.s(2, 2)], sum.s()).delay()).get({ timeoutMs: 10_000 }), 6);
    assert.deepEqual(await deadReasons(app, queue), []);
  } finally {
    await app.close();
    await running;
  }
});

test('replay, as documented: a captured signed message pushed again runs again within maxAgeMs, and the first result stays', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue, signing: workerSigning, log: () => {} });
  let runs = 0;
  app.task('count', () => ++runs);
  const running = app.worker().run();
  try {
    // The same text twice: what someone who read it off the list could push again.
    const { id, raw } = buildMessage(app, 'count', []);
    const redis = await app.connection();
    await redis.lpush(app.keys.ready(queue), raw);
    assert.equal(await app.asyncResult(id, { queue }).get({ timeoutMs: 10_000 }), 1);
    const record = await redis.get(app.keys.result(queue, id));
    await redis.lpush(app.keys.ready(queue), raw);
    await waitFor(() => runs === 2, { what: 'the replayed message to run' });
    assert.equal(await redis.get(app.keys.result(queue, id)), record, 'a final result is never replaced');
  } finally {
    await app.close();
    await running;
  }
});
