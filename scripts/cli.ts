/**
 * What the workshop CLIs share: loading the app module, and turning errors into one line
 * and an exit code (0 success, 1 failure at run time, 2 bad usage or unreachable Redis).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HardqError, InvalidOptionError, RedisUnavailableError, type App } from 'hardq';

export class UsageError extends Error {}

/** Imports `--app` (default: the demo app); its default export must be the app. */
export async function loadApp(modulePath: string | undefined, redisUrl: string | undefined): Promise<App> {
  // The app module reads REDIS_URL when it leaves `redis` unset, so --redis reaches it.
  if (redisUrl !== undefined) process.env.REDIS_URL = redisUrl;
  const url = modulePath === undefined ? new URL('./demo-app.ts', import.meta.url).href : pathToFileURL(resolve(modulePath)).href;
  let loaded: { default?: App };
  try {
    loaded = (await import(url)) as { default?: App };
  } catch (error) {
    if (error instanceof HardqError) throw error;
    throw new UsageError(`cannot load the app module ${modulePath} (${(error as Error).message})`);
  }
  if (!loaded.default || typeof loaded.default.task !== 'function') {
    throw new UsageError(`${modulePath} has no default export made by createApp()`);
  }
  return loaded.default;
}

/** Prints one line for an error and exits with its code. */
export function exitWith(error: unknown): never {
  const usage = error instanceof UsageError || error instanceof InvalidOptionError || error instanceof RedisUnavailableError
    || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(usage ? 2 : 1);
}

export function parseIntFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new UsageError(`--${name} must be a non-negative integer, got ${value}`);
  return number;
}

export function parseJsonFlag(value: string | undefined, name: string): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new UsageError(`--${name} is not JSON (${(error as Error).message})`);
  }
}

/** HH:MM:SS.mmm in local time, for log lines. */
export function clock(date = new Date()): string {
  return date.toTimeString().slice(0, 8) + '.' + String(date.getMilliseconds()).padStart(3, '0');
}
