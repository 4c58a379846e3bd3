/**
 * `hardq call`: sends a task by name and prints its id, or with --wait its result, as
 * `celery call` does. With -A, a name the app does not register is refused, with the
 * nearest registered name.
 */
import type { AsyncResult } from 'hardq';
import { UsageError } from './exit.ts';
import { parseFlags, parseIntFlag, parseJsonFlag } from './flags.ts';
import { loadApp, tlsFlags, tlsUsage } from './app-loader.ts';
import { connectOnce } from './connect.ts';
import { didYouMean } from './suggest.ts';

export const usage = `usage: hardq call <task> [options]
  -A, --app <module>     app module (checks the task name against its registry; without it,
                         any name is sent to the default queue "default")
  --redis <url>          redis:// or rediss:// URL; wins over the app's own setting
${tlsUsage(25)}
  --args <json>          positional arguments, a JSON array (default [])
  --kwargs <json>        keyword arguments, a JSON object
  --countdown-ms <n>     run no sooner than n ms from now
  --eta <iso time>       run no sooner than this time, e.g. 2030-01-01T09:00:00Z
  --queue <q>            send to this queue instead of the task's route
  --count <n>            send n copies in one round trip (default 1)
  --wait                 wait for each result and print it (exit 1 if any failed)
  --timeout-ms <n>       how long --wait waits for each result (default 60000)
  --force                send a name the app does not register
  -h, --help             this text`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('hardq call', {
    args: argv,
    allowPositionals: true,
    options: {
      app: { type: 'string', short: 'A' },
      redis: { type: 'string' },
      ...tlsFlags,
      args: { type: 'string' },
      kwargs: { type: 'string' },
      'countdown-ms': { type: 'string' },
      eta: { type: 'string' },
      queue: { type: 'string' },
      count: { type: 'string' },
      wait: { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [taskName, ...extra] = positionals;
  if (taskName === undefined || extra.length > 0) throw new UsageError('give exactly one task name (see hardq call --help)');
  const args = parseJsonFlag(values.args, 'args') ?? [];
  if (!Array.isArray(args)) throw new UsageError('--args must be a JSON array, such as \'[2, 3]\'');
  const kwargs = parseJsonFlag(values.kwargs, 'kwargs') as { [key: string]: unknown } | undefined;
  if (kwargs !== undefined && (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs))) {
    throw new UsageError('--kwargs must be a JSON object, such as \'{"to": "ada"}\'');
  }
  const count = parseIntFlag(values.count, 'count', 1, 1);
  const timeoutMs = parseIntFlag(values['timeout-ms'], 'timeout-ms', 60_000);
  if (values['countdown-ms'] !== undefined && values.eta !== undefined) throw new UsageError('give --countdown-ms or --eta, not both');
  const countdownMs = values['countdown-ms'] === undefined ? undefined : parseIntFlag(values['countdown-ms'], 'countdown-ms', 0);
  const eta = values.eta === undefined ? undefined : Date.parse(values.eta);
  if (eta !== undefined && Number.isNaN(eta)) throw new UsageError(`--eta must be an ISO 8601 time such as 2030-01-01T09:00:00Z, got ${values.eta}`);

  const { app } = await loadApp(values.app, values.redis, values);
  const registered = app.registry.names();
  if (values.app !== undefined && !app.registry.get(taskName) && !values.force) {
    throw new UsageError(`${values.app} registers no task "${taskName}"${didYouMean(taskName, registered)} `
      + `(registered: ${registered.join(', ') || 'none'}; --force sends it anyway)`);
  }
  await connectOnce(app);
  const options = { queue: values.queue, kwargs, countdownMs, eta };
  const results: AsyncResult[] = count === 1
    ? [await app.sendTask(taskName, args, options)]
    : await app.sendMany(taskName, Array.from({ length: count }, () => args), options);
  let failed = 0;
  for (const result of results) {
    if (!values.wait) {
      console.log(result.id);
      continue;
    }
    try {
      console.log(`${result.id}  SUCCESS  ${JSON.stringify(await result.get({ timeoutMs }))}`);
    } catch (error) {
      failed++;
      const code = (error as { code?: string }).code;
      const state = code === 'TASK_FAILED' ? 'FAILURE' : code === 'TASK_REVOKED' ? 'REVOKED' : code ?? 'ERROR';
      console.log(`${result.id}  ${state}  ${(error as Error).message}`);
    }
  }
  await app.close();
  return failed > 0 ? 1 : 0;
}
