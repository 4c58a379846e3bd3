/**
 * The house's import rule (house style §2): shared/ imports nothing from producer/ or
 * consumer/; producer/ and consumer/ never import each other; admin/ and beat/ import only
 * shared/ and producer/ (never consumer/); monitor/ imports shared/, producer/, admin/ and
 * beat/'s store (the Schedules page), never consumer/; cli/, scripts/ and bench/
 * import the library only through 'hardq' (index.ts) or from their own folder. scripts/
 * may use cli/'s flag parsing and exit codes (the demo and chaos are commands too), and
 * bench/ may use scripts/throwaway-redis.ts and throwaway-cluster.ts. Nothing imports back up to index.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** Every module specifier in a file: static imports, re-exports and dynamic import('…'). */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g)) found.push(match[1]!);
  for (const match of source.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.push(match[1]!);
  for (const match of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1]!);
  return found;
}

/** What a file in `folder` may not import, given the specifier resolved to a repo path or a package name. */
function violation(folder: string, target: { folder?: string; pkg?: string; path?: string }): string | undefined {
  const { folder: to, pkg } = target;
  switch (folder) {
    case 'shared':
      if (to !== undefined && to !== 'shared') return 'shared/ imports only shared/';
      if (pkg === 'hardq') return 'shared/ must not import the entry';
      return undefined;
    case 'producer':
      if (to !== undefined && to !== 'shared' && to !== 'producer') return 'producer/ imports only shared/ and producer/';
      if (pkg === 'hardq') return 'producer/ must not import the entry';
      return undefined;
    case 'consumer':
      if (to !== undefined && to !== 'shared' && to !== 'consumer') return 'consumer/ imports only shared/ and consumer/';
      if (pkg === 'hardq') return 'consumer/ must not import the entry';
      return undefined;
    case 'admin':
      if (to !== undefined && to !== 'shared' && to !== 'producer' && to !== 'admin') return 'admin/ imports only shared/, producer/ and admin/';
      if (pkg === 'hardq') return 'admin/ must not import the entry';
      return undefined;
    case 'beat':
      if (to !== undefined && to !== 'shared' && to !== 'producer' && to !== 'beat') return 'beat/ imports only shared/, producer/ and beat/';
      if (pkg === 'hardq') return 'beat/ must not import the entry';
      return undefined;
    case 'monitor':
      if (to !== undefined && !['shared', 'producer', 'admin', 'monitor'].includes(to) && target.path !== 'beat/store.ts') return 'monitor/ imports only shared/, producer/, admin/ and beat/store.ts';
      if (pkg === 'hardq') return 'monitor/ must not import the entry';
      return undefined;
    default:
      // cli/, scripts/ and bench/: the library only through 'hardq'. The exceptions are
      // development tools: cli/'s flags and exit codes for scripts/, and the throwaway
      // redis-server and cluster that bench/ shares with scripts/.
      if (to !== undefined && to !== folder && !(folder === 'bench' && ['scripts/throwaway-redis.ts', 'scripts/throwaway-cluster.ts'].includes(target.path ?? ''))
        && !(folder === 'scripts' && to === 'cli')) {
        return `${folder}/ imports the library only through 'hardq'`;
      }
      return undefined;
  }
}

function targetOf(file: string, specifier: string): { folder?: string; pkg?: string; path?: string } {
  if (!specifier.startsWith('.')) return { pkg: specifier };
  const path = relative(root, resolve(dirname(join(root, file)), specifier));
  const top = path.split('/')[0]!;
  return { folder: path === 'index.ts' ? 'index.ts' : top, path };
}

function filesIn(folder: string): string[] {
  if (!existsSync(join(root, folder))) return [];
  return (readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' }))
    .filter((path) => path.endsWith('.ts') && !path.includes('node_modules'))
    .map((path) => join(folder, path));
}

test('the specifier reader finds static, re-export, side-effect and dynamic imports', () => {
  const source = "import { a } from './a.ts';\nimport type { B } from \"../b.ts\";\nexport * from './c.ts';\nimport './d.ts';\nconst e = await import('./e.ts');";
  assert.deepEqual(specifiers(source).sort(), ['../b.ts', './a.ts', './c.ts', './d.ts', './e.ts']);
});

test('the rule rejects each forbidden direction', () => {
  assert.ok(violation('shared', { folder: 'consumer' }));
  assert.ok(violation('shared', { folder: 'producer' }));
  assert.ok(violation('producer', { folder: 'consumer' }));
  assert.ok(violation('consumer', { folder: 'producer' }));
  assert.ok(violation('admin', { folder: 'consumer' }));
  assert.ok(violation('beat', { folder: 'consumer' }));
  assert.ok(violation('monitor', { folder: 'consumer' }));
  assert.ok(violation('monitor', { folder: 'beat', path: 'beat/runner.ts' }));
  assert.equal(violation('monitor', { folder: 'admin' }), undefined);
  assert.equal(violation('monitor', { folder: 'beat', path: 'beat/store.ts' }), undefined);
  assert.ok(violation('consumer', { folder: 'index.ts' }));
  assert.ok(violation('scripts', { folder: 'shared' }));
  assert.ok(violation('bench', { folder: 'consumer' }));
  assert.ok(violation('cli', { folder: 'shared' }));
  assert.ok(violation('cli', { folder: 'scripts' }));
  assert.equal(violation('cli', { pkg: 'hardq' }), undefined);
  assert.equal(violation('scripts', { folder: 'cli' }), undefined);
  assert.equal(violation('scripts', { pkg: 'hardq' }), undefined);
  assert.equal(violation('consumer', { folder: 'shared' }), undefined);
});

test('no folder imports what the layering forbids', () => {
  const offenders: string[] = [];
  let checked = 0;
  for (const folder of ['shared', 'producer', 'consumer', 'admin', 'beat', 'monitor', 'cli', 'scripts', 'bench']) {
    for (const file of filesIn(folder)) {
      for (const specifier of specifiers(readFileSync(join(root, file), 'utf8'))) {
        checked++;
        const problem = violation(folder, targetOf(file, specifier));
        if (problem) offenders.push(`${file} imports ${specifier}: ${problem}`);
      }
    }
  }
  assert.ok(checked > 20, `read the imports of the core (${checked} found)`);
  assert.deepEqual(offenders, []);
});
