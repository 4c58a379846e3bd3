/**
 * The Django variant's web app for `npm run workshop:offload -- --django`: the same three
 * routes in scripts/workshop/django/offload_site.py, served by Django's runserver under
 * Debian's /usr/bin/python3 on a free port, stopped by pid. Its /register sends through the
 * Python producer; the TypeScript worker runs the task either way.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../throwaway-redis.ts';
import type { OffloadServer } from './offload-server.ts';

const site = fileURLToPath(new URL('./django/offload_site.py', import.meta.url));
export const djangoInstall = 'sudo apt-get install -y python3-django (macOS: python3 -m pip install --user django)';

/** The python3 that has Django (Debian's first), or undefined. */
export function pythonWithDjango(): string | undefined {
  return ['/usr/bin/python3', 'python3'].find((python) => spawnSync(python, ['-c', 'import django, redis']).status === 0);
}

/** Starts the Django app on `requestedPort` (0: a free one) and resolves once it answers. */
export async function startDjangoServer(python: string, requestedPort = 0, timeoutMs = 30_000): Promise<OffloadServer> {
  const port = requestedPort || await freePort();
  const url = `http://127.0.0.1:${port}`;
  // --noreload: one process, so the pid we stop is the server itself.
  const child = spawn(python, [site, 'runserver', `127.0.0.1:${port}`, '--noreload'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Django exited (code ${child.exitCode}): ${stderr.trim().split('\n').pop()}`);
    const answered = await fetch(`${url}/tasks/none`).then(() => true, () => false);
    if (answered) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Django did not answer on ${url} within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    port,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      process.off('exit', onExit);
    },
  };
}
