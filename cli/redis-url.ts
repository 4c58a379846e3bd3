/**
 * The `--redis` flag: which URLs the commands accept, and how a URL is shown with its
 * password hidden (banners, log lines).
 */
import { isClusterUrl, parseClusterUrl } from 'hardq';
import { UsageError } from './exit.ts';

const example = 'redis://127.0.0.1:6379, redis://:password@host:6379/0, rediss://user:password@host:6380 or, for a cluster, redis-cluster://host:7000,host:7001';

/**
 * Accepts redis:// and rediss:// URLs with optional user, password and db number, and the
 * cluster form redis-cluster://[user:password@]host:port,host:port (rediss-cluster:// for
 * TLS); anything else is a UsageError.
 */
export function checkRedisUrl(url: string, from = '--redis'): string {
  if (isClusterUrl(url)) {
    try {
      parseClusterUrl(url);
    } catch (error) {
      throw new UsageError(`${from} ${(error as Error).message}`);
    }
    return url;
  }
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
  // The URL as given may hold a password: the message shows it redacted.
  if (problem) throw new UsageError(`${from} ${JSON.stringify(redactUrl(url))} ${problem}; give one such as ${example}`);
  return url;
}

/**
 * The URL with its password replaced by ***, for printing. Done on the text, not through a
 * URL parser: a malformed URL (`redis:/:pw@host`, a cluster list) must be hidden as well.
 * Everything after the first ':' of the user part, up to its last '@', is the password.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/{0,2})(.*)@/i, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon === -1 ? userinfo : `${userinfo.slice(0, colon)}:***`}@`;
  });
}
