/**
 * shared/lua/*.lua against shared/scripts.ts: each header's KEYS count matches the wrapper's
 * scriptKeyCounts, every key reaches a script through KEYS (no script builds a key name),
 * the fragments of a joined script agree with its main header, and every script loads on a
 * real redis-server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { fragmentPath, fragmentSource, scriptFragments, scriptKeyCounts, scriptMainSource, scriptSource, type ScriptName } from '../shared/scripts.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';

const names = Object.keys(scriptKeyCounts) as ScriptName[];
const header = (source: string) => source.split('\n').filter((line) => line.startsWith('--')).join('\n');
const body = (source: string) => source.split('\n').filter((line) => !line.trimStart().startsWith('--')).join('\n');

/**
 * Commands whose first argument is a channel, not a key. A shard channel (SPUBLISH) is routed
 * by its slot like a key: it carries the queue's tag (keys.resultChannel), and on a cluster
 * Redis refuses one outside the script's slot, which tests/cluster-scripts.test.ts would catch.
 */
const channelCommands = new Set(['PUBLISH', 'SPUBLISH']);

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

test('every .lua file has a wrapper entry and every entry has a file', () => {
  const files = readdirSync(new URL('../shared/lua/', import.meta.url)).filter((name) => name.endsWith('.lua'));
  assert.deepEqual(files.map((name) => name.slice(0, -4)).sort(), [...names].sort());
});

for (const name of names) {
  test(`${name}.lua: its header's KEYS match scriptKeyCounts`, () => {
    const source = scriptMainSource(name);
    const numbered = [...header(source).matchAll(/^-- KEYS\[(\d+)\]/gm)].map((match) => Number(match[1]));
    assert.deepEqual(numbered, numbered.map((_, i) => i + 1), 'KEYS[1], KEYS[2], … in order, none skipped');
    const expected = scriptKeyCounts[name];
    if (expected === null) {
      assert.match(header(source), /^-- KEYS\[\d+\.\.\]/m, 'a variable key count is documented as KEYS[n..]');
    } else {
      assert.equal(numbered.length, expected, `the header documents ${numbered.length} keys, the wrapper passes ${expected}`);
      const used = [...body(source).matchAll(/KEYS\[(\d+)\]/g)].map((match) => Number(match[1]));
      assert.ok(used.every((index) => index <= expected), `the body uses only KEYS[1..${expected}]`);
    }
    assert.match(header(source), /^-- ARGV\[|no ARGV/m, 'the header lists ARGV');
    assert.match(header(source), /^-- Returns:/m, 'the header says what it returns');
    assert.match(header(source), /^-- Why Lua:/m, 'the header says why this is Lua');
  });

  test(`${name}.lua: every key comes through KEYS, none is built`, () => {
    const code = body(scriptSource(name));
    assert.doesNotMatch(code, /hardq/, 'no key prefix in a script');
    for (const match of code.matchAll(/redis\.call\(\s*'(\w+)'\s*,\s*([^,)]+)/g)) {
      const [, command, first] = match as unknown as [string, string, string];
      if (channelCommands.has(command.toUpperCase()) || command.toUpperCase() === 'TIME') continue;
      assert.match(first.trim(), /^KEYS\[[\w+ -]+\]$/, `${command}'s key is ${first.trim()}, not an element of KEYS`);
    }
  });
}

/** `KEYS[3] dead letters keys.dead(queue) list` lines of a header, by index. */
const declaredKeys = (source: string) => new Map([...header(source).matchAll(/^-- (KEYS\[(\d+)(?:\.\.)?\] .*)$/gm)].map((m) => [Number(m[2]), m[1]!.replace(/\s+/g, ' ')]));

for (const [name, fragments] of Object.entries(scriptFragments) as [ScriptName, string[]][]) {
  test(`${name}: every fragment exists, stays short, and declares its KEYS exactly as the main header does`, () => {
    const main = declaredKeys(scriptMainSource(name));
    for (const fragment of fragments) {
      const source = fragmentSource(name, fragment);
      assert.ok(source.split('\n').length <= 60, `${fragment}.lua is over 60 lines`);
      assert.match(header(source), new RegExp(`^-- ${fragmentPath(name, fragment)}\\.lua: `, 'm'), `${fragment}.lua opens with its name and purpose`);
      const declared = declaredKeys(source);
      for (const [index, line] of declared) assert.equal(line, main.get(index), `${fragment}.lua's KEYS[${index}] differs from ${name}.lua's`);
      const used = [...body(source).matchAll(/KEYS\[(\d+)\]/g)].map((match) => Number(match[1]));
      for (const index of used) assert.ok(declared.has(index), `${fragment}.lua uses KEYS[${index}] without declaring it`);
      assert.ok(!source.startsWith('#!'), 'only the main file carries the #! line');
    }
  });
}

test('the key check catches a script that builds a key', () => {
  const built = "redis.call('LPUSH', KEYS[1] .. ':dead', ARGV[1])";
  const match = /redis\.call\(\s*'(\w+)'\s*,\s*([^,)]+)/.exec(built)!;
  assert.doesNotMatch(match[2]!.trim(), /^KEYS\[[\w+ -]+\]$/);
});

test('every script loads on a real redis-server', async () => {
  const redis = new Redis(server.url);
  try {
    for (const name of names) {
      const sha = await redis.script('LOAD', scriptSource(name));
      assert.match(String(sha), /^[0-9a-f]{40}$/, name);
    }
  } finally {
    redis.disconnect();
  }
});
