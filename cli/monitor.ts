/**
 * `hardq monitor`: the dashboard (monitor/server.ts) for the app's Redis — pages with a live
 * feed, a JSON API and /metrics. Loopback only unless a token is given; --read-only hides
 * and refuses every action. Stops on Ctrl-C or SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { startMonitor } from 'hardq';
import { UsageError } from './exit.ts';
import { parseFlags, parseIntFlag } from './flags.ts';
import { loadApp, tlsFlags, tlsUsage } from './app-loader.ts';
import { connectOnce } from './connect.ts';

export const usage = `usage: hardq monitor [options]
  -A, --app <module>      app module (for its prefix, default queue and Redis)
  --redis <url>           redis:// or rediss:// URL; wins over the app's own setting
${tlsUsage(26)}
  --port <n>              port to listen on (default 5555)
  --host <address>        interface to bind (default 127.0.0.1; any other needs a token)
  --token <t>             every page, API call and /metrics needs it (or $HARDQ_MONITOR_TOKEN)
  --token-file <file>     the token, read from a file (first line)
  --read-only             hide and refuse every action (send, revoke, control, purge, requeue)
  --metrics-public        serve /metrics without the token
  -Q, --queues <a,b>      these queues (default: the default queue and every queue a worker consumes)
  --interval-ms <n>       how often the live feed reads Redis (default 1000)
  -h, --help              this text
pages: open the printed URL (with a token: the printed /login link, once)`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('hardq monitor', {
    args: argv,
    options: {
      app: { type: 'string', short: 'A' },
      redis: { type: 'string' },
      ...tlsFlags,
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'read-only': { type: 'boolean', default: false },
      'metrics-public': { type: 'boolean', default: false },
      queues: { type: 'string', short: 'Q' },
      'interval-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.token !== undefined && values['token-file'] !== undefined) throw new UsageError('give --token or --token-file, not both');
  let token = values.token ?? (process.env.HARDQ_MONITOR_TOKEN || undefined);
  if (values['token-file'] !== undefined) {
    try {
      token = readFileSync(values['token-file'], 'utf8').split(/\r?\n/)[0]!.trim();
    } catch (error) {
      throw new UsageError(`--token-file: cannot read ${values['token-file']} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (token === '') throw new UsageError(`--token-file: ${values['token-file']} is empty`);
  }
  const { app } = await loadApp(values.app, values.redis, values);
  await connectOnce(app);
  const monitor = await startMonitor(app, {
    port: parseIntFlag(values.port, 'port', 5555),
    host: values.host,
    token,
    readOnly: values['read-only'],
    metricsPublic: values['metrics-public'],
    queues: values.queues?.split(',').filter(Boolean),
    intervalMs: parseIntFlag(values['interval-ms'], 'interval-ms', 1000, 100),
  }).catch(async (error: unknown) => {
    await app.close();
    throw error;
  });
  // The token itself is never printed: the login link shows where it goes.
  console.log(`hardq monitor on ${monitor.url}${token === undefined ? '' : ` (open ${monitor.url}/login?token=<your token> once)`}${values['read-only'] ? ', read-only' : ''}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await monitor.close();
  await app.close();
  return 0;
}
