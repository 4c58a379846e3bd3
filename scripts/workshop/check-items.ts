/**
 * What `npm run workshop:check` looks at, one check per tool the lessons use: each says
 * what it found, whether the workshop needs it, and the one line that fixes it.
 * Python is Debian's /usr/bin/python3 first (the tests and the lessons run that one).
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startThrowawayRedis } from '../throwaway-redis.ts';

export type Outcome = { ok: boolean; found: string; fix?: string };
export type Check = { name: string; required: boolean; run(): Promise<Outcome> };

const run = promisify(execFile);

/** The first line a command prints, or undefined when it cannot run. */
async function firstLine(command: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(command, args, { timeout: 15_000 });
    return (stdout.trim() || stderr.trim()).split('\n')[0];
  } catch {
    // Not installed, or it failed: the check reports it missing with its fix.
    return undefined;
  }
}

const redisFix = 'Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis; '
  + 'Docker: docker run -d -p 6400:6379 redis:7 and export REDIS_URL=redis://127.0.0.1:6400';

/** A python3 that can `import module`: Debian's first, then the one on PATH. */
async function pythonWith(module: string): Promise<{ python: string; version: string } | undefined> {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const version = await firstLine(python, ['-c', `import ${module}; print(getattr(${module}, "__version__", "") or ${module}.get_version())`]);
    if (version !== undefined) return { python, version };
  }
  return undefined;
}

export const checks: Check[] = [
  {
    name: 'Node.js', required: true,
    async run() {
      const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
      const ok = major > 20 || (major === 20 && minor >= 19);
      return { ok, found: process.version, fix: 'install Node 20.19 or later (https://nodejs.org/en/download)' };
    },
  },
  {
    name: 'node_modules', required: true,
    async run() {
      // The rule bootstrap.sh uses: installed, and not older than package-lock.json.
      const installed = 'node_modules/.package-lock.json';
      const ok = existsSync(installed) && statSync(installed).mtimeMs >= statSync('package-lock.json').mtimeMs;
      return { ok, found: ok ? 'installed' : 'older than package-lock.json', fix: 'npm ci' };
    },
  },
  {
    name: 'redis-server', required: true,
    async run() {
      const line = await firstLine('redis-server', ['--version']);
      return { ok: line !== undefined, found: line ? `${/v=([\d.]+)/.exec(line)?.[1] ?? line}` : 'not found', fix: redisFix };
    },
  },
  {
    name: 'redis-cli', required: true,
    async run() {
      const line = await firstLine('redis-cli', ['--version']);
      return { ok: line !== undefined, found: line ?? 'not found (lesson 2 types into it)', fix: 'it comes with redis-server: ' + redisFix };
    },
  },
  {
    name: 'a throwaway redis-server', required: true,
    async run() {
      // Without the binary, startThrowawayRedis would keep trying to reach it until its deadline.
      if (await firstLine('redis-server', ['--version']) === undefined) return { ok: false, found: 'no redis-server to start', fix: redisFix };
      try {
        const startedAt = Date.now();
        const redis = await startThrowawayRedis();
        await redis.stop();
        return { ok: true, found: `started and stopped on port ${redis.port} in ${Date.now() - startedAt} ms` };
      } catch (error) {
        return { ok: false, found: (error as Error).message, fix: redisFix };
      }
    },
  },
  {
    name: 'REDIS_URL', required: true,
    async run() {
      const url = process.env.REDIS_URL;
      const startOne = 'redis-server --port 6400 --save "" --appendonly no, then export REDIS_URL=redis://127.0.0.1:6400';
      if (!url) return { ok: true, found: `not set (the lessons set it: ${startOne})` };
      const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 3000 });
      client.on('error', () => {});
      try {
        await client.connect();
        const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1];
        return { ok: true, found: `${url.replace(/\/\/[^@/]*@/, '//***@')} answers (Redis ${version})` };
      } catch (error) {
        return { ok: false, found: `${url} does not answer (${(error as Error).message})`, fix: `start it (${startOne}) or unset REDIS_URL` };
      } finally {
        client.disconnect();
      }
    },
  },
  {
    name: 'python3 with redis', required: true,
    async run() {
      const found = await pythonWith('redis');
      return found
        ? { ok: true, found: `${found.python} (redis ${found.version}); the Python lesson runs clients/python with it` }
        : { ok: false, found: 'no python3 can import redis', fix: 'Debian/Ubuntu: sudo apt-get install -y python3-redis; macOS: python3 -m pip install --user redis' };
    },
  },
  {
    name: 'chromium', required: false,
    async run() {
      for (const browser of ['chromium', 'chromium-browser', 'google-chrome']) {
        const line = await firstLine(browser, ['--version']);
        if (line !== undefined) return { ok: true, found: `${line} (for npm run docs:screenshots)` };
      }
      return { ok: false, found: 'not found; only the dashboard screenshots need it', fix: 'Debian: sudo apt-get install -y chromium' };
    },
  },
  {
    name: 'Celery', required: false,
    async run() {
      const line = await firstLine('/usr/bin/python3', ['-m', 'celery', '--version']);
      return line
        ? { ok: true, found: `${line} (/usr/bin/python3 -m celery, lesson 10)` }
        : { ok: false, found: 'not found; lesson 10 shows it from the page', fix: 'Debian/Ubuntu: sudo apt-get install -y python3-celery' };
    },
  },
  {
    name: 'Django', required: false,
    async run() {
      const found = await pythonWith('django');
      return found
        ? { ok: true, found: `${found.python} (django ${found.version}), for lesson 1's Django variant` }
        : { ok: false, found: "not found; lesson 1's Django variant needs it", fix: 'Debian/Ubuntu: sudo apt-get install -y python3-django; macOS: python3 -m pip install --user django' };
    },
  },
];
