/**
 * The Python canvas builder (clients/python/hardq_canvas.py) against TypeScript workers:
 * a chain, a group and a chord (header on two queues) built and sent from Python, with
 * [], 0.1 + 0.2 and 2^53 + 1 in the args, run by a real worker, results read in TypeScript.
 * Then the same under signing with `require`: signed from Python (hardq_producer.sign), they run;
 * without the key, each first message is dead-lettered as unsigned.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { harness } from './fixtures/harness.ts';
import { waitFor } from './helpers/wait-for.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

const folder = fileURLToPath(new URL('../clients/python/', import.meta.url));

function python(code: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', ['-c', code], { cwd: folder, env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`python failed: ${stderr}`));
      else resolve(stdout);
    });
  });
}

test('Python builds a chain, a group and a chord that TypeScript workers run', async () => {
  const h = harness(server.url);
  const other = randomUUID();
  h.app.task('add', (a: number, b: number) => a + b);
  h.app.task('echo', (...args: unknown[]) => args);
  try {
    h.start({ queues: [h.queue, other] });
    const out = await python(`
import json, os, redis
from hardq_canvas import signature as s, chain, group, chord, send_canvas
r = redis.Redis.from_url(os.environ["REDIS_URL"])
q, o = os.environ["Q"], os.environ["O"]
ids = [
  send_canvas(r, chain(s("add", [2, 2], q), s("add", [10], o), s("echo", [], q)))["result"],
  send_canvas(r, group([s("add", [1, 1], q), s("add", [2, 2], o)]))["result"],
  send_canvas(r, chord([s("echo", [[], 0.1 + 0.2, 2**53 + 1], o), s("add", [5, 5], q)], s("echo", ["tail"], q)))["result"],
]
print(json.dumps(ids))
`, { REDIS_URL: server.url, Q: h.queue, O: other });
    const [chainId, , chordId] = JSON.parse(out) as string[];
    assert.deepEqual(await h.app.asyncResult(chainId!).get({ timeoutMs: 15_000 }), [14]);
    const body = await h.app.asyncResult(chordId!).get({ timeoutMs: 15_000 });
    assert.deepEqual(body, [[[[], 0.30000000000000004, 2 ** 53 + 1], 10], 'tail']);
    const raw = await h.raw.get(h.app.keys.result(h.queue, chordId!));
    assert.match(raw!, /0\.30000000000000004,9007199254740992/);
  } finally {
    await h.close();
  }
});

test('under signing with require, a Python-built chain, group and chord run on a TypeScript worker; unsigned ones are dead-lettered', async () => {
  const signing = { keys: { py1: 'a python canvas key of 32 bytes.' }, current: 'py1', require: true };
  const h = harness(server.url, { signing });
  const other = randomUUID();
  h.app.task('add', (a: number, b: number) => a + b);
  h.app.task('echo', (...args: unknown[]) => args);
  const build = `
import json, os, redis
from hardq_canvas import signature as s, chain, group, chord, send_canvas
r = redis.Redis.from_url(os.environ["REDIS_URL"])
q, o = os.environ["Q"], os.environ["O"]
print(json.dumps([
  send_canvas(r, chain(s("add", [2, 2], q), s("add", [10], o), s("echo", [], q)))["result"],
  send_canvas(r, group([s("add", [1, 1], q), s("add", [2, 2], o)]))["result"],
  send_canvas(r, chord([s("echo", [0.1 + 0.2, 1e16, "é"], o), s("add", [5, 5], q)], s("echo", ["tail"], q)))["result"],
]))
`;
  try {
    h.start({ queues: [h.queue, other] });
    const keyEnv = { HARDQ_SIGNING_KEY_ID: 'py1', HARDQ_SIGNING_KEY: signing.keys.py1 };
    const [chainId, , chordId] = JSON.parse(await python(build, { REDIS_URL: server.url, Q: h.queue, O: other, ...keyEnv })) as string[];
    assert.deepEqual(await h.app.asyncResult(chainId!).get({ timeoutMs: 15_000 }), [14]);
    assert.deepEqual(await h.app.asyncResult(chordId!).get({ timeoutMs: 15_000 }), [[[0.30000000000000004, 1e16, 'é'], 10], 'tail']);

    // The same canvases without the key: the first message of each is refused before it runs.
    const unsignedQueue = randomUUID();
    h.start({ queues: [unsignedQueue] });
    await python(build, { REDIS_URL: server.url, Q: unsignedQueue, O: unsignedQueue, HARDQ_SIGNING_KEY_ID: '', HARDQ_SIGNING_KEY: '' });
    // A chain's first message, the group's two and the chord's hardq.start: four refused.
    const dead = await waitFor(async () => {
      const raws = await h.raw.lrange(h.app.keys.dead(unsignedQueue), 0, -1);
      return raws.length === 4 ? raws.map((raw) => (JSON.parse(raw) as { reason: string }).reason) : undefined;
    }, { what: 'the unsigned messages dead-lettered' });
    assert.deepEqual(dead, ['unsigned', 'unsigned', 'unsigned', 'unsigned']);
  } finally {
    await h.close();
  }
});
