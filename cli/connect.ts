/**
 * Reaching Redis from a command. One-shot commands (call, result) try once: a refused
 * connection answers at once. `hardq worker` waits up to --connect-timeout-ms (default
 * 5 s, or $HARDQ_CONNECT_TIMEOUT_MS) with one line, so a worker started just before its
 * Redis still starts.
 */
import type { App } from 'hardq';
import { parseIntFlag } from './flags.ts';
import { redactUrl } from './redis-url.ts';

/** --connect-timeout-ms, else $HARDQ_CONNECT_TIMEOUT_MS, else 5000. */
export function connectTimeoutMs(flag: string | undefined): number {
  const fromEnv = process.env.HARDQ_CONNECT_TIMEOUT_MS;
  if (flag !== undefined) return parseIntFlag(flag, 'connect-timeout-ms', 5000);
  return fromEnv ? parseIntFlag(fromEnv, 'connect-timeout-ms (from HARDQ_CONNECT_TIMEOUT_MS)', 5000) : 5000;
}

type Config = { redis: string; connectTimeoutMs: number };

/** Connects once, with no retry: the command's first Redis call fails at once if nobody answers. */
export async function connectOnce(app: App): Promise<void> {
  (app.config as Config).connectTimeoutMs = 0;
  await app.connection().catch((error: unknown) => {
    throw explain(error, app.config.redis, app.config.tls !== undefined);
  });
}

/**
 * Connects, waiting up to `timeoutMs` with one line when the first try fails. Later
 * connections of the worker get the same bound.
 */
export async function connectPatiently(app: App, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const config = app.config as Config;
  config.connectTimeoutMs = 0;
  try {
    await app.connection();
  } catch (error) {
    if ((error as { code?: string }).code !== 'REDIS_UNAVAILABLE' || timeoutMs === 0) throw explain(error, config.redis, app.config.tls !== undefined);
    const reason = /\(([^)]*)\)/.exec((error as Error).message)?.[1] ?? 'no answer';
    log(`[hardq] Redis at ${redactUrl(config.redis)} is not answering (${reason}); waiting up to ${timeoutMs / 1000} s for it`);
    config.connectTimeoutMs = timeoutMs;
    await app.connection().catch((again: unknown) => {
      throw explain(again, config.redis, app.config.tls !== undefined);
    });
  } finally {
    config.connectTimeoutMs = timeoutMs;
  }
}

/**
 * RedisUnavailableError advises starting a server. Over TLS the likelier causes are a server
 * that does not speak TLS on that port, or one that wants a client certificate; a server
 * that resets a plain connection may be a TLS port. Say those instead.
 */
function explain(error: unknown, url: string, tls: boolean): unknown {
  if ((error as { code?: string }).code !== 'REDIS_UNAVAILABLE') return error;
  // The handshake's own reason (shared/tls.ts) already says what is wrong.
  if (/\(TLS[: ]/.test((error as Error).message)) return error;
  const reachable = (error as Error).message.replace(/; start one with: .*$/, '');
  const advice = url.startsWith('rediss:') || tls
    ? `${url.startsWith('rediss:') ? 'rediss://' : 'TLS'} needs a server that speaks TLS on that port (use redis:// for a plain one), and one with tls-auth-clients needs --tls-cert and --tls-key`
    : /\(ECONNRESET\)/.test(reachable) ? 'the server closed the connection at once: if that port speaks TLS, use rediss:// and --tls-ca' : undefined;
  if (advice === undefined) return error;
  return Object.assign(new Error(`${reachable}; ${advice}`), { code: 'REDIS_UNAVAILABLE' });
}
