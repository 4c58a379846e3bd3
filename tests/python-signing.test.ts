/**
 * The Python producer signs (clients/python/hardq_producer.py, docs/PROTOCOL.md "Signed
 * messages"): a JS worker with `require` runs what it signs, with the values where Python's
 * json.dumps and JavaScript write different text (1.0, 1e16, 1e-5, non-ASCII, key order),
 * and dead-letters what it signs with the wrong secret. Real redis-server, /usr/bin/python3.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type TaskContext } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

const producer = fileURLToPath(new URL('../clients/python/hardq_producer.py', import.meta.url));
const secret = 'a python-shared secret, 16+ bytes';

function python(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', args, { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`python ended by ${error.signal ?? error.code}: ${stderr}`));
      else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

test('a message the Python producer signs runs on a JS worker that requires signatures; a wrong secret is dead-lettered', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue, signing: { keys: { py: secret }, current: 'py' }, log: () => {} });
  const seen: unknown[] = [];
  app.task('echo', (ctx: TaskContext, ...args: unknown[]) => (seen.push(ctx.id), args), { bind: true });
  const running = app.worker().run();
  const env = { REDIS_URL: server.url, HARDQ_QUEUE: queue, HARDQ_SIGNING_KEY_ID: 'py', HARDQ_SIGNING_KEY: secret };
  try {
    // json.dumps writes 1.0, 1e+16, 1e-05, \u00e9 and keeps b before a; JavaScript reads 1, 10000000000000000, 0.00001, é.
    const args = '[1.0, 1e16, 1e-5, -0.0, 123456789.125, "caf\u00e9 \u20ac \ud83d\ude00", {"b": 1, "a": [2.50, 0.1], "\u00e9": null}]';
    const run = await python([producer, 'echo', args], env);
    assert.equal(run.code, 0, run.stderr);
    const [id, record] = run.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(record!), { state: 'SUCCESS', value: [1, 1e16, 1e-5, 0, 123456789.125, 'café € 😀', { b: 1, a: [2.5, 0.1], é: null }], doneAt: JSON.parse(record!).doneAt });
    assert.deepEqual(seen, [id]);

    const forged = await python(['-c', [
      'import sys, redis', `sys.path.insert(0, ${JSON.stringify(dirname(producer))})`, 'import hardq_producer as h',
      `print(h.send(redis.Redis.from_url(${JSON.stringify(server.url)}), "echo", [1.0], ${JSON.stringify(queue)}))`,
    ].join('\n')], { ...env, HARDQ_SIGNING_KEY: 'not the secret the worker has' });
    assert.equal(forged.code, 0, forged.stderr);
    const redis = await app.connection();
    const [entry] = await waitFor(async () => {
      const entries = await redis.lrange(app.keys.dead(queue), 0, -1);
      return entries.length > 0 ? entries : undefined;
    }, { what: 'the wrongly signed message dead-lettered' });
    assert.equal(JSON.parse(entry!).reason, 'bad-signature');
    assert.deepEqual(seen, [id], 'the wrongly signed message did not run');
  } finally {
    await app.close();
    await running;
  }
});
