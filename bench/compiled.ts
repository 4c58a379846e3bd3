/**
 * hardq and the bench's Node adapters compiled to JavaScript, for the start-up workload and
 * the W3 plain-node rows: what a user runs after `npm run build`, started by plain `node`.
 * The build goes to node_modules/.cache/hardq-bench/ (ignored by git, like node_modules),
 * not to dist/: tests/pack.test.ts deletes and rebuilds dist/ while other work runs. A
 * package.json there named `hardq` lets the compiled adapters' `import 'hardq'` resolve to
 * the compiled index.js (a package may import itself by name), and bullmq, bee-queue and
 * ioredis resolve from the repository's node_modules above it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
export const compiledDir = `${root}node_modules/.cache/hardq-bench/`;

/** Compiles into compiledDir (about 10–30 s); throws with tsc's first lines when it fails. */
export function buildCompiled(): void {
  rmSync(compiledDir, { recursive: true, force: true });
  mkdirSync(compiledDir, { recursive: true });
  const tsconfig = {
    extends: `${root}tsconfig.build.json`,
    compilerOptions: { rootDir: root, outDir: compiledDir, declaration: false, sourceMap: false },
    include: ['index.ts', 'shared', 'producer', 'consumer', 'admin', 'beat', 'monitor', 'bench/adapters', 'bench/payload.ts',
      'bench/single-send.ts', 'bench/stats.ts', 'scripts/throwaway-redis.ts'].map((path) => `${root}${path}`),
  };
  const configFile = `${compiledDir}tsconfig.json`;
  writeFileSync(configFile, JSON.stringify(tsconfig));
  const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', configFile], { encoding: 'utf8', timeout: 300_000 });
  // tsc still writes the JavaScript when it reports type errors (a tree with someone's work
  // in progress): go on with a warning, and stop only when nothing usable was written.
  const firstLines = (tsc.stdout + tsc.stderr).split('\n').slice(0, 3).join(' | ');
  if (!existsSync(`${compiledDir}index.js`) || !existsSync(compiledAdapter('hardq-worker.ts'))) throw new Error(`compiling for the bench failed: ${firstLines}`);
  if (tsc.status !== 0) console.error(`bench: the compiled build has type errors, running it anyway: ${firstLines}`);
  cpSync(`${root}shared/lua`, `${compiledDir}shared/lua`, { recursive: true });
  writeFileSync(`${compiledDir}package.json`, JSON.stringify({ name: 'hardq', type: 'module', exports: { '.': './index.js' } }));
}

/** A compiled Node adapter (bench/adapters/<name>.ts → .js), for `node` without tsx. */
export const compiledAdapter = (file: string): string => `${compiledDir}bench/adapters/${file.replace(/\.ts$/, '.js')}`;
