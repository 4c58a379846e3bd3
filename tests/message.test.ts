/**
 * shared/message.ts: what the producer puts on the wire, and how decoding rejects each
 * kind of bad message with a reason code and a sentence, keeping the id when it can.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, type DecodeRejection, type TaskMessage } from '../shared/message.ts';
import { InvalidOptionError, MessageTooLargeError } from '../shared/errors.ts';
import { buildMessage } from '../producer/send.ts';
import { resolveConfig } from '../shared/app-config.ts';
import { Keys } from '../shared/keys.ts';
import { TaskRegistry } from '../shared/task-registry.ts';

const context = {
  config: resolveConfig({ redis: 'redis://127.0.0.1:1' }),
  keys: new Keys(),
  registry: new TaskRegistry(),
  connection: () => Promise.reject(new Error('building a message needs no connection')),
};

test('a sent message carries v, id, task, args and createdAt, and decodes back unchanged', () => {
  const before = Date.now();
  const sent = buildMessage(context, 'add', [2, 3]);
  const message = JSON.parse(sent.raw) as TaskMessage;
  assert.deepEqual(Object.keys(message).sort(), ['args', 'createdAt', 'id', 'task', 'v']);
  assert.equal(message.v, 1);
  assert.match(message.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUID');
  assert.equal(sent.id, message.id);
  assert.ok(message.createdAt! >= before && message.createdAt! <= Date.now(), 'createdAt is epoch ms');
  assert.equal(sent.queue, 'default');
  assert.deepEqual(decodeMessage(sent.raw), { ok: true, message });
});

test('per-call facts travel in epoch ms; task options never do', () => {
  const registry = new TaskRegistry();
  registry.add({ name: 'mail', bind: false, handler: () => 0, options: { maxRetries: 9, timeLimitMs: 500, ignoreResult: true } });
  const eta = new Date(Date.now() + 60_000);
  const sent = buildMessage({ ...context, registry }, 'mail', ['a@b.c'], { eta, expires: eta.getTime() + 1000, taskId: 'fixed-id', kwargs: { urgent: true } });
  const message = JSON.parse(sent.raw) as TaskMessage;
  assert.equal(message.id, 'fixed-id');
  assert.equal(message.eta, eta.getTime());
  assert.equal(message.expires, eta.getTime() + 1000);
  assert.deepEqual(message.kwargs, { urgent: true });
  for (const option of ['maxRetries', 'timeLimitMs', 'ignoreResult']) assert.ok(!(option in message), `${option} stays in the registry`);
});

test('encodeMessage is plain JSON', () => {
  const message: TaskMessage = { v: 1, id: 'x', task: 't', args: [1, 'two', null, { three: [3] }] };
  assert.equal(encodeMessage(message), JSON.stringify(message));
});

const rejections: [string, string, DecodeRejection['reason'], RegExp, string | undefined][] = [
  ['not JSON', 'hello', 'malformed', /not JSON/, undefined],
  ['a JSON array', '[1,2]', 'malformed', /not a JSON object/, undefined],
  ['JSON null', 'null', 'malformed', /not a JSON object/, undefined],
  ['no v', '{"id":"a","task":"t","args":[]}', 'invalid', /"v" must be 1/, 'a'],
  ['v 3', '{"v":3,"id":"a","task":"t","args":[]}', 'invalid', /"v" must be 1 or 2, got 3/, 'a'],
  ['canvas fields in v 1', '{"v":1,"id":"a","task":"t","args":[],"chain":[]}', 'invalid', /canvas fields need "v": 2/, 'a'],
  ['a v 2 chain that is no list', '{"v":2,"id":"a","task":"t","args":[],"chain":{}}', 'invalid', /field "chain" must be an array/, 'a'],
  ['no id', '{"v":1,"task":"t","args":[]}', 'invalid', /"id"/, undefined],
  ['an empty id', '{"v":1,"id":"","task":"t","args":[]}', 'invalid', /"id"/, undefined],
  ['a numeric id', '{"v":1,"id":7,"task":"t","args":[]}', 'invalid', /"id"/, undefined],
  ['an id with a comma', '{"v":1,"id":"a,b","task":"t","args":[]}', 'invalid', /"id" must not contain a comma/, undefined],
  ['an id with a comma, redelivered', '{"deliveries":3,"v":1,"id":"a,b","task":"t","args":[]}', 'invalid', /"id" must not contain a comma/, undefined],
  ['no task', '{"v":1,"id":"a","args":[]}', 'invalid', /"task"/, 'a'],
  ['args an object', '{"v":1,"id":"a","task":"t","args":{}}', 'invalid', /"args" must be an array/, 'a'],
  ['kwargs an array', '{"v":1,"id":"a","task":"t","args":[],"kwargs":[]}', 'invalid', /"kwargs" must be an object/, 'a'],
  ['kwargs null', '{"v":1,"id":"a","task":"t","args":[],"kwargs":null}', 'invalid', /"kwargs" must be an object/, 'a'],
  ['queue a number', '{"v":1,"id":"a","task":"t","args":[],"queue":3}', 'invalid', /"queue" must be a string/, 'a'],
  ['eta a date string', '{"v":1,"id":"a","task":"t","args":[],"eta":"2030-01-01"}', 'invalid', /"eta" must be epoch milliseconds/, 'a'],
  ['createdAt a string', '{"v":1,"id":"a","task":"t","args":[],"createdAt":"now"}', 'invalid', /"createdAt"/, 'a'],
  ['expires a bool', '{"v":1,"id":"a","task":"t","args":[],"expires":true}', 'invalid', /"expires"/, 'a'],
  ['retries negative', '{"v":1,"id":"a","task":"t","args":[],"retries":-1}', 'invalid', /"retries" must be a non-negative integer/, 'a'],
  ['retries a fraction', '{"v":1,"id":"a","task":"t","args":[],"retries":1.5}', 'invalid', /"retries"/, 'a'],
  ['deliveries a string', '{"v":1,"id":"a","task":"t","args":[],"deliveries":"2"}', 'invalid', /"deliveries"/, 'a'],
];

for (const [what, raw, reason, error, id] of rejections) {
  test(`decode rejects ${what} as ${reason}`, () => {
    const decoded = decodeMessage(raw);
    assert.equal(decoded.ok, false);
    if (decoded.ok) return;
    assert.equal(decoded.reason, reason);
    assert.match(decoded.error, error);
    assert.equal(decoded.id, id, 'the id is kept when it can be read, so get() can end');
  });
}

test('decode accepts every optional field, and ignores unknown ones', () => {
  const raw = '{"deliveries":2,"v":1,"id":"a","task":"t","args":[1],"kwargs":{"k":1},"queue":"q","createdAt":1,"eta":2,"expires":3,"retries":0,"later":"field"}';
  const decoded = decodeMessage(raw);
  assert.ok(decoded.ok);
  assert.equal(decoded.message.deliveries, 2);
  assert.deepEqual(decoded.message.kwargs, { k: 1 });
});

test('decode rejects a raw over maxMessageBytes as too-large, unparsed and with no id', () => {
  const raw = JSON.stringify({ v: 1, id: 'readable', task: 't', args: ['x'.repeat(100)] });
  const bytes = Buffer.byteLength(raw);
  assert.deepEqual(decodeMessage(raw, bytes - 1), { ok: false, reason: 'too-large', error: `the message is ${bytes} bytes; maxMessageBytes is ${bytes - 1}` });
  assert.ok(decodeMessage(raw, bytes).ok, 'exactly maxMessageBytes is allowed');
  assert.ok(decodeMessage(raw).ok, 'no limit without maxMessageBytes');
  const garbage = decodeMessage('not json at all', 5);
  assert.equal(!garbage.ok && garbage.reason, 'too-large', 'the size is checked before JSON.parse');
});

test('maxMessageBytes counts UTF-8 bytes, not characters', () => {
  const raw = JSON.stringify({ v: 1, id: 'a', task: 't', args: ['é'.repeat(50), '😀'.repeat(10)] });
  const bytes = Buffer.byteLength(raw);
  assert.ok(bytes > raw.length);
  const decoded = decodeMessage(raw, raw.length);
  assert.equal(!decoded.ok && decoded.error, `the message is ${bytes} bytes; maxMessageBytes is ${raw.length}`);
  assert.ok(decodeMessage(raw, bytes).ok);
});

test('buildMessage refuses a message over maxMessageBytes, naming the task, its size and the limit', () => {
  const small = { ...context, config: resolveConfig({ redis: 'redis://127.0.0.1:1', maxMessageBytes: 200 }) };
  assert.ok(buildMessage(small, 'add', ['x'.repeat(50)]).raw.length <= 200);
  const error = (() => {
    try {
      buildMessage(small, 'upload', ['é'.repeat(200)]);
    } catch (caught) {
      return caught;
    }
  })();
  assert.ok(error instanceof MessageTooLargeError, String(error));
  assert.equal(error.code, 'MESSAGE_TOO_LARGE');
  assert.equal(error.taskName, 'upload');
  assert.ok(error.sizeBytes > 400, 'the size is in bytes: each é is two');
  assert.equal(error.maxMessageBytes, 200);
  assert.match(error.message, /"upload" is \d+ bytes, over maxMessageBytes \(200\); keep large payloads elsewhere .* pass a reference, or raise maxMessageBytes on the producer and every consumer/);
});

test('buildMessage refuses a taskId with a comma, naming it', () => {
  assert.throws(() => buildMessage(context, 'add', [1, 2], { taskId: 'order-1,order-2' }), (error: unknown) =>
    error instanceof InvalidOptionError && /taskId "order-1,order-2" contains a comma/.test(error.message));
});

test('resolveConfig defaults maxMessageBytes to 1 MiB and maxPendingSends to 10,000, and refuses nonsense', () => {
  const config = resolveConfig({});
  assert.equal(config.maxMessageBytes, 1_048_576);
  assert.equal(config.maxPendingSends, 10_000);
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => resolveConfig({ maxMessageBytes: bad }), /maxMessageBytes must be a positive integer/);
    assert.throws(() => resolveConfig({ maxPendingSends: bad }), /maxPendingSends must be a positive integer/);
  }
});
