/**
 * The workshop producer: sends a task, prints its id, and with --wait its result.
 *   npm run producer -- [--app <module>] <task> [--args '<json array>'] [--kwargs '<json object>']
 *                       [--queue Q] [--count N] [--wait]
 */
import { parseArgs } from 'node:util';
import { TaskFailedError } from 'hardq';
import { exitWith, loadApp, parseIntFlag, parseJsonFlag, UsageError } from './cli.ts';

const usage = `usage: npm run producer -- <task> [options]
  --app <module>       app module whose default export is the app (default: scripts/demo-app.ts)
  --redis <url>        Redis URL (default: $REDIS_URL, then redis://127.0.0.1:6379)
  --args <json>        positional arguments, a JSON array (default [])
  --kwargs <json>      keyword arguments, a JSON object
  --queue <q>          send to this queue instead of the task's route
  --count <n>          send n copies in one round trip (default 1)
  --wait               wait for each result and print it (exit 1 if any failed)
  --timeout-ms <n>     how long --wait waits for each result (default 60000)
  -h, --help           this text`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      app: { type: 'string' },
      redis: { type: 'string' },
      args: { type: 'string' },
      kwargs: { type: 'string' },
      queue: { type: 'string' },
      count: { type: 'string' },
      wait: { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [taskName, ...extra] = positionals;
  if (taskName === undefined || extra.length > 0) throw new UsageError('give exactly one task name (see --help)');
  const args = parseJsonFlag(values.args, 'args') ?? [];
  if (!Array.isArray(args)) throw new UsageError('--args must be a JSON array');
  const kwargs = parseJsonFlag(values.kwargs, 'kwargs') as { [key: string]: unknown } | undefined;
  if (kwargs !== undefined && (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs))) {
    throw new UsageError('--kwargs must be a JSON object');
  }
  const count = parseIntFlag(values.count, 'count', 1);
  const timeoutMs = parseIntFlag(values['timeout-ms'], 'timeout-ms', 60_000);
  const app = await loadApp(values.app, values.redis);
  if (!app.registry.get(taskName)) {
    console.error(`note: "${taskName}" is not registered in this app; a consumer of the same app would dead-letter it`);
  }
  const options = { queue: values.queue, kwargs };
  const results = count === 1
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
      const state = error instanceof TaskFailedError ? 'FAILURE' : (error as { code?: string }).code ?? 'ERROR';
      console.log(`${result.id}  ${state}  ${(error as Error).message}`);
    }
  }
  await app.close();
  return failed > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), exitWith);
