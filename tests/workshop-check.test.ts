/**
 * `npm run workshop:check` (scripts/workshop/check.sh and check.ts): on this machine every
 * required check passes and it exits 0; with redis-server and redis-cli off the PATH it
 * says what is missing, prints the fix, and exits 1; without node_modules it says npm ci.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
let redis: RedisServer;
before(async () => (redis = await startRedis()));
after(async () => redis.stop());

function check(env: NodeJS.ProcessEnv, cwd = root): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', [join(root, 'scripts/workshop/check.sh')], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

test('on a ready machine every required check is ✓ and it exits 0', async () => {
  const { code, output } = await check({ ...process.env, REDIS_URL: redis.url });
  assert.equal(code, 0, output);
  for (const name of ['Node.js', 'node_modules', 'redis-server', 'redis-cli', 'a throwaway redis-server', 'REDIS_URL', 'python3 with redis']) {
    assert.match(output, new RegExp(`^✓ ${name.replace('.', '\\.')} `, 'm'), `${name} passes:\n${output}`);
  }
  assert.match(output, new RegExp(`REDIS_URL\\s+redis://127\\.0\\.0\\.1:${redis.port} answers`));
  assert.match(output, /^ready: every required check passes/m);
});

test('without redis-server on the PATH it prints the fix and exits 1', async () => {
  // A PATH with node and what check.sh itself calls, and no redis-server or redis-cli.
  const bin = mkdtempSync(join(tmpdir(), 'hardq-check-'));
  try {
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync('/usr/bin/dirname', join(bin, 'dirname'));
    const { code, output } = await check({ PATH: bin, HOME: process.env.HOME ?? '/' });
    assert.equal(code, 1, output);
    assert.match(output, /^✗ redis-server\s+not found\n\s+fix: Debian\/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis; Docker: docker run/m);
    assert.match(output, /^✗ redis-cli /m);
    assert.match(output, /^✓ Node\.js /m);
    assert.match(output, /^not ready: 3 required checks fail/m);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test('in a clone without node_modules it says npm ci', async () => {
  // check.sh works from the repository it lives in; a copy of the script alone has no node_modules beside it.
  const clone = mkdtempSync(join(tmpdir(), 'hardq-clone-'));
  try {
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkdir', ['-p', join(clone, 'scripts/workshop')]);
    execFileSync('cp', [join(root, 'scripts/workshop/check.sh'), join(clone, 'scripts/workshop/check.sh')]);
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile('/bin/sh', [join(clone, 'scripts/workshop/check.sh')], { env: process.env }, (error, stdout) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: stdout }));
    });
    assert.equal(code, 1);
    assert.match(output, /^✗ node_modules\s+not installed; fix: npm ci/m);
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
});
