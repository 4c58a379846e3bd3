/**
 * `-A <module>`: loads the app a command works with, as Celery's `-A proj` does. The
 * module's default export is the app made by createApp(). `.js` and `.mjs` load with
 * plain node; `.ts` loads when tsx is installed (or already loaded with --import tsx).
 * `--redis` (else $REDIS_URL) wins over the app's own `redis` setting, and so do
 * `--tls-ca`, `--tls-cert`, `--tls-key` (else $HARDQ_TLS_CA, _CERT, _KEY) over its `tls`.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp, resolveTls, type App, type TlsConfig } from 'hardq';
import { UsageError } from './exit.ts';
import { checkRedisUrl } from './redis-url.ts';

export type LoadedApp = {
  app: App;
  /** The -A argument as given, or undefined for the bare app of a command without -A. */
  module: string | undefined;
  /** Absolute path of the module, for the pools that load it again in each thread or child. */
  modulePath: string | undefined;
};

/** The TLS flags every command takes (spread into its parseFlags options). */
export const tlsFlags = {
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const;

/** The usage lines of tlsFlags, for each command's --help, with descriptions from `column`. */
export function tlsUsage(column: number): string {
  return [
    ['--tls-ca <file>', 'TLS: the CA that signed the server\'s certificate (PEM; or $HARDQ_TLS_CA)'],
    ['--tls-cert <file>', 'TLS: the client certificate, with --tls-key (PEM; or $HARDQ_TLS_CERT)'],
    ['--tls-key <file>', 'TLS: the client certificate\'s key (PEM; or $HARDQ_TLS_KEY)'],
  ].map(([flag, text]) => `  ${flag!.padEnd(column - 2)}${text}`).join('\n');
}

export type TlsFlagValues = { 'tls-ca'?: string; 'tls-cert'?: string; 'tls-key'?: string };

/** The TLS files from the flags or the environment, read now; undefined when none is given. */
function tlsFromCommandLine(flags: TlsFlagValues): TlsConfig | undefined {
  const env = process.env;
  const given = { ca: flags['tls-ca'] ?? (env.HARDQ_TLS_CA || undefined), cert: flags['tls-cert'] ?? (env.HARDQ_TLS_CERT || undefined), key: flags['tls-key'] ?? (env.HARDQ_TLS_KEY || undefined) };
  if (given.ca === undefined && given.cert === undefined && given.key === undefined) return undefined;
  try {
    return resolveTls(given);
  } catch (error) {
    // "tls.ca: cannot read ..." names the option; on the command line it is the flag.
    throw new UsageError((error as Error).message.replace(/^tls\.(\w+)/, '--tls-$1').replace('tls.cert and tls.key go together', '--tls-cert and --tls-key go together'));
  }
}

/**
 * Loads `-A` (or a bare createApp() without it) and points it at --redis or $REDIS_URL when
 * given, with the TLS flags' files over the app's own `tls`.
 */
export async function loadApp(module: string | undefined, redisFlag: string | undefined, tlsFlagValues: TlsFlagValues = {}): Promise<LoadedApp> {
  const tls = tlsFromCommandLine(tlsFlagValues);
  const redis = redisFlag !== undefined ? checkRedisUrl(redisFlag)
    : process.env.REDIS_URL ? checkRedisUrl(process.env.REDIS_URL, 'REDIS_URL') : undefined;
  // Apps that leave `redis` unset read REDIS_URL, and so do the pools' threads and children.
  if (redis !== undefined) process.env.REDIS_URL = redis;
  if (module === undefined) return withTls({ app: createApp(), module, modulePath: undefined }, tls);
  const modulePath = resolve(module);
  const loaded = (await importApp(module, modulePath)) as { default?: App };
  const app = loaded.default;
  if (typeof app?.task !== 'function' || typeof app.registry?.names !== 'function') {
    throw new UsageError(`${module} has no default export made by createApp() (add: export default app)`);
  }
  // The command line wins over the module: `--redis` must reach the Redis it names even
  // when the app sets its own. Nothing has connected yet, so every connection sees it.
  if (redis !== undefined) (app.config as { redis: string }).redis = redis;
  return withTls({ app, module, modulePath }, tls);
}

function withTls(loaded: LoadedApp, tls: TlsConfig | undefined): LoadedApp {
  const config = loaded.app.config as { tls?: TlsConfig };
  if (tls !== undefined) config.tls = { ...config.tls, ...tls };
  return loaded;
}

async function importApp(module: string, modulePath: string): Promise<unknown> {
  const url = pathToFileURL(modulePath).href;
  try {
    return await import(url);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?ts$/.test(modulePath) && await registerTsx(modulePath)) {
      // A fresh URL: the failed import of `url` stays cached in this process's module map.
      return import(`${url}?tsx`).catch((again: unknown) => fail(module, again));
    }
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?ts$/.test(modulePath)) {
      throw new UsageError(`cannot load ${module}: a .ts app needs tsx (npm install --save-dev tsx), or compile it to .js`);
    }
    return fail(module, error);
  }
}

function fail(module: string, error: unknown): never {
  // hardq's own errors (a bad option in createApp) keep their line and exit code.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && !code.startsWith('ERR_')) throw error;
  throw new UsageError(`cannot load the app module ${module} (${(error as Error).message.split('\n')[0]})`);
}

/** Registers tsx's loader, found next to this command or next to the app; false when neither has it. */
async function registerTsx(modulePath: string): Promise<boolean> {
  const candidates = [() => import.meta.resolve('tsx/esm/api'), () => pathToFileURL(createRequire(modulePath).resolve('tsx/esm/api')).href];
  for (const candidate of candidates) {
    let api: string;
    try {
      api = candidate();
    } catch {
      continue; // not installed there: try the next place, then say how
    }
    const { register } = (await import(api)) as { register: () => unknown };
    register();
    return true;
  }
  return false;
}
