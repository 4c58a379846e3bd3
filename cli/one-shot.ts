/**
 * What the one-shot operator commands (inspect, queues, purge, dead) share: the flags that
 * name the app and its Redis, and a run that loads the app, tries Redis once, and always
 * closes the app, whatever the command did.
 */
import type { App } from 'hardq';
import { loadApp, tlsFlags, type TlsFlagValues } from './app-loader.ts';
import { connectOnce } from './connect.ts';

export const appFlags = {
  app: { type: 'string', short: 'A' },
  redis: { type: 'string' },
  ...tlsFlags,
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export async function withApp<T>(flags: { app?: string; redis?: string } & TlsFlagValues, body: (app: App) => Promise<T>): Promise<T> {
  const { app } = await loadApp(flags.app, flags.redis, flags);
  await connectOnce(app);
  try {
    return await body(app);
  } finally {
    await app.close();
  }
}
