/**
 * shared/keys.ts is the only place a key name is built, and docs/PROTOCOL.md mirrors it:
 * every key kind, its pattern, and the TSDoc's type · writer · reader · lifetime.
 * Also fails when a key literal appears in producer/, consumer/, shared/ or scripts/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { Keys, keyCatalog } from '../shared/keys.ts';

const root = new URL('..', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Method name → the four ` · `-separated parts of its TSDoc. */
function tsdocByMethod(source: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const match of source.matchAll(/\/\*\* (.+?) \*\/\n\s+(\w+)\(/g)) found.set(match[2]!, match[1]!.split(' · '));
  return found;
}

/** The rows of PROTOCOL.md's key table: function → [key, type, writer, reader, lifetime]. */
function protocolKeyRows(markdown: string): Map<string, string[]> {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Keys and channels'));
  assert.ok(section, 'docs/PROTOCOL.md has a "## Keys and channels" section');
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const match = /^\| `(\w+)` \| `([^`]+)` \|(.*)\|$/.exec(line);
    if (!match) continue;
    assert.ok(!rows.has(match[1]!), `PROTOCOL.md lists ${match[1]} twice`);
    rows.set(match[1]!, [match[2]!, ...match[3]!.split(' | ').map((cell) => cell.trim())]);
  }
  return rows;
}

test('every key kind in keys.ts has a TSDoc of type · writer · reader · lifetime', () => {
  const docs = tsdocByMethod(read('shared/keys.ts'));
  for (const kind of Object.keys(keyCatalog(new Keys()))) {
    const parts = docs.get(kind);
    assert.ok(parts, `Keys.${kind} has a one-line TSDoc`);
    assert.equal(parts.length, 4, `Keys.${kind}'s TSDoc has four parts (type · writer · reader · lifetime): ${parts.join(' · ')}`);
  }
});

test('keyCatalog covers every method of Keys', () => {
  const methods = Object.getOwnPropertyNames(Keys.prototype).filter((name) => name !== 'constructor').sort();
  assert.deepEqual(Object.keys(keyCatalog(new Keys())).sort(), methods);
});

test('docs/PROTOCOL.md lists exactly the keys of keys.ts, with the same patterns and TSDoc', () => {
  const catalog = keyCatalog(new Keys());
  const docs = tsdocByMethod(read('shared/keys.ts'));
  const rows = protocolKeyRows(read('docs/PROTOCOL.md'));
  assert.deepEqual([...rows.keys()].sort(), Object.keys(catalog).sort(), 'the same key kinds');
  for (const [kind, pattern] of Object.entries(catalog)) {
    const [key, ...cells] = rows.get(kind)!;
    assert.equal(key, pattern, `the pattern of ${kind}`);
    assert.deepEqual(cells, docs.get(kind), `type, writer, reader, lifetime of ${kind}`);
  }
});

test('the two names foreign producers rely on are exactly as the issue says', () => {
  const keys = new Keys();
  assert.equal(keys.ready('emails'), 'hardq:{emails}:ready');
  assert.equal(keys.dead('emails'), 'hardq:{emails}:dead');
  assert.equal(new Keys('acme').result('q', 'abc'), 'acme:{q}:result:abc');
});

test('every key of a queue carries the queue hash tag', () => {
  for (const [kind, pattern] of Object.entries(keyCatalog(new Keys()))) {
    if (!pattern.includes('<queue>')) continue;
    assert.ok(pattern.startsWith('hardq:{<queue>}:'), `${kind}: ${pattern}`);
  }
});

/** Words that name a key kind: `ready`, `processing`, `reaper-lock`, … taken from the catalog. */
const kindWords = [...new Set(Object.values(keyCatalog(new Keys())).flatMap((pattern) =>
  pattern.split(':').slice(1).filter((part) => /^[a-z][a-z-]*$/.test(part))))];
const keyLike = new RegExp(`hardq:(?!\\s)|:(?:${kindWords.join('|')})(?=$|[:\\W])`);
// In a regexp the kind may sit inside a group: `/:(processing|heartbeat):.+$/`.
const keyLikeRegExp = new RegExp(`:.*\\b(?:${kindWords.join('|')})\\b`);

/** Every string, template or regexp literal in `source` that looks like part of a key name. */
export function keyLiterals(fileName: string, source: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      if (keyLike.test(node.text)) found.push(node.text);
    } else if (ts.isRegularExpressionLiteral(node) && (keyLike.test(node.text) || keyLikeRegExp.test(node.text))) {
      found.push(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true));
  return found;
}

test('the literal scan catches a key built by hand and passes log lines', () => {
  const source = [
    'const a = `${prefix}:{${queue}}:ready`;',
    "const b = 'hardq:{emails}:dead';",
    'const c = key.replace(/:processing:.+$/, "");',
    'const e = key.replace(/:(heartbeat|quarantine):.+$/, "");',
    'log(`hardq: lost Redis at ${host}`);',
    "const d = 'ready to go';",
  ].join('\n');
  assert.deepEqual(keyLiterals('x.ts', source), ['}:ready', 'hardq:{emails}:dead', '/:processing:.+$/', '/:(heartbeat|quarantine):.+$/']);
});

test('no key literal in producer/, consumer/, shared/ or scripts/ outside shared/keys.ts', () => {
  const offenders: string[] = [];
  for (const folder of ['producer', 'consumer', 'shared', 'scripts']) {
    for (const name of readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })) {
      if (!name.endsWith('.ts')) continue;
      const path = join(folder, name);
      if (path === join('shared', 'keys.ts')) continue;
      for (const literal of keyLiterals(path, read(path))) offenders.push(`${path}: ${JSON.stringify(literal)}`);
    }
  }
  assert.deepEqual(offenders, [], 'build key names with shared/keys.ts');
});
