/**
 * docs/PROTOCOL.md is the contract, so it is checked, never trusted: its JSON Schema agrees
 * with the decoder, its reason codes and result states with the code, and the Python
 * producer it shows (clients/python/hardq_producer.py, the same text) runs against a real
 * Redis and a TypeScript worker.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeMessage } from '../shared/message.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { harness } from './fixtures/harness.ts';

const protocol = readFileSync(new URL('../docs/PROTOCOL.md', import.meta.url), 'utf8');
const codeBlock = (language: string) => {
  const blocks = [...protocol.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]!);
  assert.ok(blocks.length > 0, `PROTOCOL.md has a ${language} block`);
  return blocks;
};
const tableCodes = (heading: string) => {
  const section = protocol.split(/^## /m).find((part) => part.startsWith(heading))!;
  return [...section.matchAll(/^\| `([\w-]+)` \|/gm)].map((match) => match[1]!);
};
const unionOf = (path: string, type: string) => {
  const source = readFileSync(new URL(path, import.meta.url), 'utf8');
  const union = new RegExp(`type ${type} =([^;]+);`).exec(source)![1]!;
  return [...union.matchAll(/'([\w-]+)'/g)].map((match) => match[1]!);
};

type Schema = { type?: string; const?: unknown; enum?: unknown[]; minLength?: number; pattern?: string; minimum?: number; required?: string[]; properties?: Record<string, Schema> };
const schema = JSON.parse(codeBlock('json').find((block) => block.includes('"$schema"'))!) as Schema;

/** The subset of JSON Schema the page uses: type, const, minLength, pattern, minimum, required, properties. */
function conforms(value: unknown, s: Schema): boolean {
  if (s.const !== undefined && value !== s.const) return false;
  if (s.enum !== undefined && !s.enum.includes(value)) return false;
  const is: Record<string, (v: unknown) => boolean> = {
    object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    array: Array.isArray,
    string: (v) => typeof v === 'string',
    number: (v) => typeof v === 'number' && Number.isFinite(v),
    integer: Number.isInteger,
  };
  if (s.type && !is[s.type]!(value)) return false;
  if (s.minLength !== undefined && (value as string).length < s.minLength) return false;
  if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value as string)) return false;
  if (s.minimum !== undefined && (value as number) < s.minimum) return false;
  const object = value as Record<string, unknown>;
  if (s.required && !s.required.every((key) => key in object)) return false;
  return Object.entries(s.properties ?? {}).every(([key, sub]) => !(key in object) || conforms(object[key], sub));
}

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

test('the schema requires v, id, task, args and lists exactly the optional fields', () => {
  assert.deepEqual(schema.required, ['v', 'id', 'task', 'args']);
  assert.deepEqual(Object.keys(schema.properties!).sort(),
    ['args', 'bodyOf', 'chain', 'chord', 'createdAt', 'deliveries', 'eta', 'expires', 'failure', 'id', 'kid', 'kwargs', 'link', 'linkError', 'parentId', 'parentResults', 'parents', 'queue', 'retries', 'sig', 'signedAt', 'task', 'v']);
});

test('the schema and the decoder accept and reject the same messages', () => {
  const base = { v: 1, id: 'a', task: 't', args: [1] };
  const samples: unknown[] = [
    base, { ...base, kwargs: { k: 1 }, queue: 'q', createdAt: 1, eta: 2.5, expires: 3, retries: 0, deliveries: 2 },
    [], 'text', null, { ...base, v: 3 }, { ...base, v: 2 }, { ...base, v: 2, parentResults: [[]] }, { ...base, v: 2, parentResults: {} }, { ...base, id: '' }, { ...base, id: 3 }, { ...base, id: 'a,b' }, { ...base, id: ',' }, { ...base, task: '' },
    { ...base, args: {} }, { ...base, kwargs: [] }, { ...base, queue: 1 }, { ...base, eta: '2030' },
    { ...base, createdAt: true }, { ...base, expires: {} }, { ...base, retries: -1 }, { ...base, retries: 0.5 }, { ...base, deliveries: '2' },
  ];
  for (const required of schema.required!) {
    const { [required]: _dropped, ...rest } = base as Record<string, unknown>;
    samples.push(rest);
  }
  for (const sample of samples) {
    assert.equal(decodeMessage(JSON.stringify(sample)).ok, conforms(sample, schema), JSON.stringify(sample));
  }
});

test('the dead-letter reason codes on the page are exactly those of shared/dead-letter.ts', () => {
  assert.deepEqual(tableCodes('Dead letters').sort(), unionOf('../shared/dead-letter.ts', 'DeadLetterReason').sort());
});

test('the result states on the page are exactly the stored states of shared/result-record.ts', () => {
  const stored = unionOf('../shared/result-record.ts', 'TaskState').filter((state) => state !== 'PENDING');
  assert.deepEqual(tableCodes('Results').sort(), stored.sort());
});

/** Field names of each object type in a TypeScript union or type literal, by its `state` when it has one. */
const typeFields = (path: string, pattern: RegExp) => {
  const source = readFileSync(new URL(path, import.meta.url), 'utf8');
  return [...source.matchAll(pattern)].map((match) => [match[1]!, [...match[2]!.matchAll(/(\w+)\??:/g)].map((m) => m[1]!).sort()] as const);
};

test('the result record shapes on the page match shared/result-record.ts', () => {
  const section = protocol.split(/^## /m).find((part) => part.startsWith('Results'))!;
  const onPage = [...section.matchAll(/^\| `(\w+)` \| `(\{.*?\})`/gm)].map(([, state, record]) => [state!,
    [...record!.replace(/\{ "name", "message", "stack"\? \}/, 'E').matchAll(/"([a-z]\w*)"/g)].map((m) => m[1]!).sort()] as const);
  const inCode = typeFields('../shared/result-record.ts', /\{ state: '(\w+)';([^}]*)\}/g);
  assert.deepEqual(new Map(onPage), new Map(inCode.map(([state, fields]) => [state, ['state', ...fields].sort()])));
});

test('the dead-letter entry on the page has the fields of shared/dead-letter.ts', () => {
  const example = JSON.parse(codeBlock('json').find((block) => block.includes('"deadAt"'))!) as object;
  const [[, fields]] = typeFields('../shared/dead-letter.ts', /type (DeadLetterEntry) = \{([\s\S]*?)\n\};/g) as [[string, string[]]];
  assert.deepEqual(Object.keys(example).sort(), fields);
});

const pythonProducer = fileURLToPath(new URL('../clients/python/hardq_producer.py', import.meta.url));

test('the page shows clients/python/hardq_producer.py as it is', () => {
  assert.equal(codeBlock('python')[0], readFileSync(pythonProducer, 'utf8'));
});

type PythonRun = { code: number; stdout: string; stderr: string };

/** Runs the shipped Python producer with Debian's python3-redis; killed after 20 s. */
function runPython(args: string[], env: Record<string, string>, pythonFlags: string[] = []): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [...pythonFlags, pythonProducer, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`python ended by ${error.signal ?? error.code}: ${stderr}`));
      else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

for (const mode of ['simple', 'reliable'] as const) {
  test(`${mode}: the Python producer on the page sends a task the TypeScript worker runs`, async () => {
    const h = harness(server.url);
    h.app.task('add', (a: number, b: number) => a + b);
    try {
      h.start({ mode });
      const { code, stdout, stderr } = await runPython(['add', '[20, 22]'], { REDIS_URL: server.url, HARDQ_QUEUE: h.queue });
      assert.equal(code, 0, stderr);
      const [id, record] = stdout.trim().split('\n');
      assert.match(id!, /^[0-9a-f-]{36}$/);
      assert.deepEqual({ ...JSON.parse(record!), doneAt: 0 }, { state: 'SUCCESS', value: 42, doneAt: 0 });
      assert.equal(await h.app.asyncResult(id!).get({ timeoutMs: 1000 }), 42, 'the TypeScript side reads the same result');
    } finally {
      await h.close();
    }
  });
}

test('a Python message for an unknown task ends in FAILURE (exit code 1) and a dead letter, not a hang', async () => {
  const h = harness(server.url);
  try {
    h.start();
    const { code, stdout } = await runPython(['resize', '[]'], { REDIS_URL: server.url, HARDQ_QUEUE: h.queue });
    assert.equal(code, 1);
    const record = JSON.parse(stdout.trim().split('\n')[1]!);
    assert.equal(record.state, 'FAILURE');
    assert.equal(record.reason, 'unknown-task');
    const entry = JSON.parse((await h.raw.lindex(h.app.keys.dead(h.queue), 0))!);
    assert.equal(entry.reason, 'unknown-task');
  } finally {
    await h.close();
  }
});

test('without redis-py the Python producer says how to install it, in one line, and exits 2', async () => {
  // -S leaves out site-packages, where Debian's python3-redis lives.
  const { code, stdout, stderr } = await runPython(['add', '[1, 2]'], { REDIS_URL: server.url }, ['-S']);
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.equal(stderr, 'hardq_producer.py needs redis-py: pip install redis (or: sudo apt-get install python3-redis)\n');
});

test('bad usage and an unreachable Redis are one line and exit code 2', async () => {
  const usage = await runPython(['add', '{"a": 1}'], {});
  assert.deepEqual([usage.code, usage.stderr.trim().split('\n').length], [2, 1]);
  assert.match(usage.stderr, /must be a JSON array/);
  const unreachable = await runPython(['add', '[1]'], { REDIS_URL: 'redis://127.0.0.1:1' });
  assert.deepEqual([unreachable.code, unreachable.stderr.trim().split('\n').length], [2, 1]);
  assert.match(unreachable.stderr, /^cannot reach Redis at redis:\/\/127\.0\.0\.1:1 /);
});
