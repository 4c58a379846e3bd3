/**
 * The `--redis` flag: which URLs the commands accept, and how a URL is shown with its
 * password hidden (banners, log lines).
 */
import { UsageError } from './exit.ts';

const example = 'redis://127.0.0.1:6379, redis://:password@host:6379/0 or rediss://user:password@host:6380';

/** Accepts redis:// and rediss:// URLs with optional user, password and db number; anything else is a UsageError. */
export function checkRedisUrl(url: string, from = '--redis'): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL at all (for example "127.0.0.1:6390"): the advice below says what is.
  }
  const problem = parsed === undefined || !/^rediss?:$/.test(parsed.protocol) ? 'is not a redis:// or rediss:// URL'
    : parsed.hostname === '' ? 'has no host'
    : !/^(\/\d*)?$/.test(parsed.pathname) ? `has "${parsed.pathname}" where the db number goes`
    : parsed.search !== '' || parsed.hash !== '' ? 'has a query or fragment, which hardq does not read'
    : undefined;
  if (problem) throw new UsageError(`${from} ${JSON.stringify(url)} ${problem}; give one such as ${example}`);
  return url;
}

/** The URL with its password replaced by ***, for printing. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href.replace(/\/$/, '');
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
