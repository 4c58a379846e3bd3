/**
 * The reply-dropping proxy (tests/helpers/reply-dropping-proxy.ts) forces ioredis to send a
 * command twice: each test drops one reply and proves, from Redis itself, that the command
 * ran twice while the caller saw one ordinary answer.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { startReplyDroppingProxy, type ReplyDroppingProxy } from './helpers/reply-dropping-proxy.ts';
import { waitFor } from './helpers/wait-for.ts';

let server: RedisServer;
let proxy: ReplyDroppingProxy;
let direct: Redis;
const clients: Redis[] = [];

/** An ioredis client through the proxy, with the library's defaults for resending. */
function throughProxy(protocol: 2 | 3 = 3): Redis {
  const client = new Redis(proxy.url, { retryStrategy: () => 10, protocol });
  client.on('error', () => {}); // the cut connection reports ECONNRESET; ioredis reconnects
  clients.push(client);
  return client;
}

before(async () => {
  server = await startRedis();
  proxy = await startReplyDroppingProxy(server.port);
  direct = new Redis(server.url);
});

after(async () => {
  for (const client of clients) client.disconnect();
  direct.disconnect();
  await proxy.stop();
  await server.stop();
});

test('a dropped INCR reply: ioredis resends it, the caller sees 2, and Redis ran it twice', async () => {
  const key = `counter-${randomUUID()}`;
  const client = throughProxy();
  assert.equal(await client.ping(), 'PONG');
  const dropped = proxy.dropNextReplyTo(([name, arg]) => name === 'INCR' && arg === key);
  assert.equal(await client.incr(key), 2);
  assert.deepEqual(await dropped, ['INCR', key]);
  assert.equal(await direct.get(key), '2');
});

test('RESP2, and a 1 MiB command and reply split across many chunks on the way to the drop', async () => {
  const [big, counter] = [`big-${randomUUID()}`, `counter-${randomUUID()}`];
  const value = 'é'.repeat(512 * 1024); // 1 MiB of UTF-8
  const client = throughProxy(2);
  await client.ping();
  const dropped = proxy.dropNextReplyTo(([name, arg]) => name === 'INCR' && arg === counter);
  const [set, got, incremented] = await Promise.all([client.set(big, value), client.get(big), client.incr(counter)]);
  assert.deepEqual([set, got === value, incremented], ['OK', true, 2]);
  assert.deepEqual(await dropped, ['INCR', counter]);
  assert.equal(await direct.get(counter), '2');
});

test('a pipeline whose first reply is dropped is resent whole; replies sent before it arrive once', async () => {
  const [before, a, b] = [`before-${randomUUID()}`, `a-${randomUUID()}`, `b-${randomUUID()}`];
  const client = throughProxy();
  await client.ping();
  const dropped = proxy.dropNextReplyTo(([name, arg]) => name === 'INCR' && arg === a);
  const earlier = client.incr(before);
  const replies = await client.pipeline().incr(a).incr(b).incrby(b, 10).exec();
  assert.equal(await earlier, 1);
  assert.deepEqual(replies, [[null, 2], [null, 12], [null, 22]]);
  assert.deepEqual(await dropped, ['INCR', a]);
  assert.deepEqual(await direct.mget(before, a, b), ['1', '2', '22']);
});

test('a script run through defineCommand runs twice: on its first call (EVAL), once loaded (EVALSHA), and after a NOSCRIPT', async () => {
  const key = `script-${randomUUID()}`;
  const client = throughProxy() as Redis & { appendTwice(key: string, word: string): Promise<number> };
  client.defineCommand('appendTwice', { numberOfKeys: 1, lua: "return redis.call('RPUSH', KEYS[1], ARGV[1], ARGV[1])" });
  await client.ping();
  const isScriptOn = (command: string[]) => (command[0] === 'EVALSHA' || command[0] === 'EVAL') && command.includes(key);

  // ioredis sends the source with EVAL the first time a connection runs a script.
  let dropped = proxy.dropNextReplyTo(isScriptOn);
  assert.equal(await client.appendTwice(key, 'first'), 4);
  assert.equal((await dropped)[0], 'EVAL');
  assert.deepEqual(await direct.lrange(key, 0, -1), ['first', 'first', 'first', 'first']);

  // Once loaded, it sends EVALSHA; a NOSCRIPT reply would pass through and its EVAL be dropped.
  dropped = proxy.dropNextReplyTo(isScriptOn);
  assert.equal(await client.appendTwice(key, 'again'), 8);
  assert.equal((await dropped)[0], 'EVALSHA');
  assert.equal(await direct.llen(key), 8);

  // After SCRIPT FLUSH, EVALSHA's NOSCRIPT reply passes (the script did not run); the EVAL is dropped.
  assert.equal(await client.appendTwice(key, 'loaded'), 10);
  await direct.config('RESETSTAT');
  await direct.script('FLUSH');
  dropped = proxy.dropNextReplyTo(isScriptOn);
  assert.equal(await client.appendTwice(key, 'flushed'), 14);
  assert.equal((await dropped)[0], 'EVAL');
  assert.equal(await direct.llen(key), 14);
  // Redis's own counts: one EVALSHA refused with NOSCRIPT, then the EVAL and its resend.
  const stats = await direct.info('commandstats');
  assert.match(stats, /cmdstat_evalsha:calls=1,.*failed_calls=1/);
  assert.match(stats, /cmdstat_eval:calls=2,.*failed_calls=0/);
});

test('RESP3 push frames are not counted as replies: the drop hits the reply it was armed for', async () => {
  const [tracked, a, b] = [`tracked-${randomUUID()}`, `a-${randomUUID()}`, `b-${randomUUID()}`];
  const client = throughProxy();
  // With tracking on, this connection's own SET of a key it read sends it an invalidation
  // push, between the SET's reply and the INCRs'. Counted as a reply, it would shift the
  // pairing by one and the drop would hit INCR a instead, so a would end at 2.
  await client.client('TRACKING', 'ON');
  await client.get(tracked);
  const dropped = proxy.dropNextReplyTo(([name, arg]) => name === 'INCR' && arg === b);
  assert.deepEqual(await Promise.all([client.set(tracked, 'changed'), client.incr(a), client.incr(b)]), ['OK', 1, 2]);
  assert.deepEqual(await dropped, ['INCR', b]);
  assert.deepEqual(await direct.mget(a, b), ['1', '2']);
});

test('a subscribed RESP3 connection: published messages are pushes, and a dropped PING is resent', async () => {
  const channel = `channel-${randomUUID()}`;
  const subscriber = throughProxy();
  const received: string[] = [];
  subscriber.on('message', (_channel: string, message: string) => received.push(message));
  await subscriber.subscribe(channel);
  for (let i = 0; i < 20; i++) await direct.publish(channel, `early-${i}`);
  await waitFor(() => received.length === 20, { what: '20 pushed messages' });
  const dropped = proxy.dropNextReplyTo(([name, arg]) => name === 'PING' && arg === 'marker');
  assert.deepEqual(await Promise.all([subscriber.ping('first'), subscriber.ping('marker')]), ['first', 'marker']);
  assert.deepEqual(await dropped, ['PING', 'marker']);
  // ioredis subscribed again on its new connection.
  await waitFor(async () => (await direct.publish(channel, 'after')) === 1 && received.includes('after'), { what: 'a message after the resubscribe' });
});
