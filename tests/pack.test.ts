/**
 * The package as a user gets it: `npm pack` (prepack builds dist/), then the tarball is
 * installed into a fresh temporary project from the npm cache, with @types/node at the
 * repo's pinned 20.x. There, with plain `node` and no tsx: an .mjs app runs a worker in each
 * pool, a .cjs file requires hardq, a .ts app compiles with `tsc --init` defaults, and
 * `npx hardq` answers; in a second project with tsx installed, `hardq worker -A tasks.ts`
 * runs a .ts app that `hardq call` reaches. The only test that runs dist/; everything else runs the sources.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const typesNodeVersion = (JSON.parse(readFileSync(join(root, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string }).version;
const hasCli = existsSync(join(root, 'cli/main.ts'));
const tsxVersion = (JSON.parse(readFileSync(join(root, 'node_modules/tsx/package.json'), 'utf8')) as { version: string }).version;

/**
 * What a user's shell would pass on: none of the test runner's or npm's variables, and no
 * NODE_OPTIONS, whose `--conditions=source` (scripts/bootstrap.sh) points hardq at sources
 * that the tarball does not ship.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|NODE_OPTIONS$|NODE_TEST_CONTEXT$)/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

type Run = { stdout: string; stderr: string };

function run(file: string, args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd, env: userEnv(options.env), timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${[file, ...args].join(' ')} failed (${error.code ?? error.signal}):\n${stderr}${stdout}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** The app both the .mjs worker and its pool members import: its default export is the app. */
const tasksMjs = `import { threadId } from 'node:worker_threads';
import { createApp } from 'hardq';

const app = createApp({ redis: process.env.REDIS_URL });
app.task('add', (a, b) => a + b);
app.task('where', () => ({ pid: process.pid, threadId }));
app.task('boom', () => { throw new RangeError('out of range'); });
export default app;
`;

const mainMjs = `import { HardqError, TaskFailedError } from 'hardq';
import app from './tasks.mjs';

const report = { pid: process.pid };
for (const pool of ['async', 'threads', 'process']) {
  const queue = process.env.QUEUE + '-' + pool;
  const worker = app.worker({ pool, queues: [queue], concurrency: 2, poolSize: 1, appModule: new URL('./tasks.mjs', import.meta.url) });
  const running = worker.run();
  const get = async (name, args) => (await app.sendTask(name, args, { queue })).get({ timeoutMs: 20000 });
  const sum = await get('add', [2, 3]);
  const where = await get('where', []);
  const failed = await get('boom', []).then(() => 'no error', (error) => ({
    instanceOf: error instanceof TaskFailedError, is: TaskFailedError.is(error), hardq: HardqError.is(error), remote: error.remote.name,
  }));
  await worker.close();
  await running;
  report[pool] = { sum, where, failed };
}
await app.close();
console.log(JSON.stringify(report));
`;

const mainCjs = `const hardq = require('hardq');
const { version } = require('hardq/package.json');
console.log(JSON.stringify({ createApp: typeof hardq.createApp, is: typeof hardq.HardqError.is, code: hardq.TaskFailedError.code, version }));
`;

const appTs = `import { createApp, TaskFailedError, type AsyncResult } from 'hardq';

const app = createApp({ redis: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
const add = app.task('add', (a: number, b: number) => a + b);
const queue = process.env['QUEUE'] ?? 'default';

export function typeErrors(): void {
  // @ts-expect-error add takes numbers: the types are hardq's, not any
  void add.delay('2', 3);
  // @ts-expect-error a countdown is a number of ms
  void add.applyAsync([1, 2], { countdownMs: '5' });
}

const worker = app.worker({ queues: [queue], concurrency: 4 });
const running = worker.run();
const result: AsyncResult<number> = await add.applyAsync([20, 22], { queue });
const sum: number = await result.get({ timeoutMs: 20_000 });
const known: boolean = TaskFailedError.is(new Error('not hardq'));
await worker.close();
await running;
await app.close();
console.log(JSON.stringify({ sum, known }));
`;

let server: RedisServer;
let work: string;
let project: string;
type Packed = { filename: string; size: number; entryCount: number; files: { path: string }[] };
let packed: Packed;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'hardq-pack-'));
  project = join(work, 'app');
  const [redis, pack] = await Promise.all([
    startRedis(),
    run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, timeoutMs: 120_000 }),
  ]);
  server = redis;
  // npm prints the build's output before the JSON; the JSON is the last thing it prints.
  packed = (JSON.parse(pack.stdout.slice(pack.stdout.lastIndexOf('\n[\n') + 1)) as Packed[])[0]!;
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'hardq-user', version: '1.0.0', private: true, type: 'module' }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock',
    join(work, packed.filename), `@types/node@${typesNodeVersion}`], { cwd: project, timeoutMs: 120_000 });
});

after(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball, installed into a fresh project', { concurrency: true }, () => {
  test('ships dist/ with its Lua, the Python producer and the changelog, and no sources, tests or bench data', (t) => {
    const paths = packed.files.map((file) => file.path);
    t.diagnostic(`${packed.filename}: ${packed.size} bytes, ${packed.entryCount} files`);
    for (const path of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'clients/python/hardq_producer.py', 'dist/index.js', 'dist/index.d.ts',
      'dist/consumer/pool-child.js', 'dist/consumer/heartbeat-thread.js', 'dist/shared/lua/claim-batch.lua', 'dist/shared/lua/complete-batch/acknowledge.lua',
      'dist/monitor/server.js', 'dist/monitor/web/index.html', 'dist/monitor/web/app.js']) {
      assert.ok(paths.includes(path), `the tarball has ${path}`);
    }
    if (hasCli) assert.ok(paths.includes('dist/cli/main.js'), 'the tarball has the hardq command');
    const stray = paths.filter((path) => !/^(dist\/.*\.(js|d\.ts|lua)|dist\/monitor\/web\/[\w/-]+\.(html|css)|clients\/python\/[\w.]+\.py|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(path));
    assert.deepEqual(stray, []);
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/hardq/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    // ioredis, croner for beat's cron schedules, and uPlot for the monitor's charts.
    assert.deepEqual(Object.keys(manifest.dependencies).sort(), ['croner', 'ioredis', 'uplot'], 'three runtime dependencies');
  });

  test('a plain .mjs app runs a worker in the async, threads and process pools with node alone', async () => {
    writeFileSync(join(project, 'tasks.mjs'), tasksMjs);
    writeFileSync(join(project, 'main.mjs'), mainMjs);
    const { stdout } = await run(process.execPath, ['main.mjs'], { cwd: project, env: { REDIS_URL: server.url, QUEUE: randomUUID() } });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, { sum: number; where: { pid: number; threadId: number }; failed: unknown }> & { pid: number };
    const failed = { instanceOf: true, is: true, hardq: true, remote: 'RangeError' };
    assert.deepEqual(report.async, { sum: 5, where: { pid: report.pid, threadId: 0 }, failed });
    assert.equal(report.threads!.sum, 5);
    assert.equal(report.threads!.where.pid, report.pid);
    assert.notEqual(report.threads!.where.threadId, 0, 'ran in a worker thread');
    assert.deepEqual(report.threads!.failed, failed);
    assert.equal(report.process!.sum, 5);
    assert.notEqual(report.process!.where.pid, report.pid, 'ran in a child process');
    assert.deepEqual(report.process!.failed, failed);
  });

  test('a .cjs file can require hardq', async () => {
    writeFileSync(join(project, 'main.cjs'), mainCjs);
    const { stdout } = await run(process.execPath, ['main.cjs'], { cwd: project });
    assert.deepEqual(JSON.parse(stdout), { createApp: 'function', is: 'function', code: 'TASK_FAILED', version: packed.filename.replace(/^hardq-|\.tgz$/g, '') });
  });

  test('a .ts app type-checks with tsc --init defaults, compiles, and runs with node', async () => {
    const tsProject = join(project, 'ts');
    mkdirSync(tsProject);
    writeFileSync(join(tsProject, 'package.json'), JSON.stringify({ name: 'hardq-ts-user', private: true, type: 'module' }));
    writeFileSync(join(tsProject, 'app.ts'), appTs);
    await run(process.execPath, [tsc, '--init', '--types', 'node'], { cwd: tsProject });
    await run(process.execPath, [tsc, '-p', '.'], { cwd: tsProject });
    const { stdout } = await run(process.execPath, ['app.js'], { cwd: tsProject, env: { REDIS_URL: server.url, QUEUE: randomUUID() } });
    assert.deepEqual(JSON.parse(stdout), { sum: 42, known: false });
  });

  test('hardq worker -A tasks.ts runs a .ts app when tsx is installed in the project', { skip: hasCli ? false : 'no cli/ yet' }, async () => {
    const tsxProject = join(work, 'tsx-app');
    mkdirSync(tsxProject);
    writeFileSync(join(tsxProject, 'package.json'), JSON.stringify({ name: 'hardq-tsx-user', version: '1.0.0', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock',
      join(work, packed.filename), `tsx@${tsxVersion}`], { cwd: tsxProject, timeoutMs: 120_000 });
    writeFileSync(join(tsxProject, 'tasks.ts'), `import { createApp } from 'hardq';
const app = createApp();
app.task('add', (a: number, b: number): number => a + b);
export default app;
`);
    const queue = randomUUID();
    const bin = join(tsxProject, 'node_modules/.bin/hardq');
    const worker = spawn(bin, ['worker', '-A', 'tasks.ts', '--redis', server.url, '-Q', queue], { cwd: tsxProject, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    worker.stdout!.on('data', (chunk: Buffer) => (output += chunk));
    worker.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => worker.once('close', (code) => resolve(code)));
    try {
      const call = await run(bin, ['call', 'add', '-A', 'tasks.ts', '--redis', server.url, '--queue', queue, '--args', '[2, 3]', '--wait', '--timeout-ms', '30000'], { cwd: tsxProject });
      assert.match(call.stdout, /SUCCESS\s+5/);
    } finally {
      worker.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output);
    assert.match(output, /add/, 'the banner lists the .ts app\'s task');
  });

  test('npx hardq --help and --version answer', { skip: hasCli ? false : 'cli/main.ts is not in the repo yet (issue 10, the hardq command): nothing to run' }, async () => {
    const help = await run('npx', ['--no', '--', 'hardq', '--help'], { cwd: project });
    assert.match(help.stdout, /^usage: hardq /);
    const version = await run('npx', ['--no', '--', 'hardq', '--version'], { cwd: project });
    assert.match(version.stdout, new RegExp(packed.filename.replace(/^hardq-|\.tgz$/g, '').replaceAll('.', '\\.')));
  });
});
