/**
 * `hardq result`: prints one task's state and value. Results are stored per queue, so the
 * queue must be the one the task ran on (default: the app's default queue).
 */
import { UsageError } from './exit.ts';
import { parseFlags, parseIntFlag } from './flags.ts';
import { loadApp } from './app-loader.ts';
import { connectOnce } from './connect.ts';

export const usage = `usage: hardq result <id> [options]
  -A, --app <module>   app module (for its prefix and default queue)
  --redis <url>        redis:// or rediss:// URL; wins over the app's own setting
  --queue <q>          the queue the task was sent to (default: the app's default queue)
  --wait               wait for a final state instead of printing the current one
  --timeout-ms <n>     how long --wait waits (default 60000)
  -h, --help           this text
Prints "<id>  <STATE>  <value or error>"; exits 1 on FAILURE or REVOKED.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('hardq result', {
    args: argv,
    allowPositionals: true,
    options: {
      app: { type: 'string', short: 'A' },
      redis: { type: 'string' },
      queue: { type: 'string' },
      wait: { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0) throw new UsageError('give exactly one task id (see hardq result --help)');
  const timeoutMs = parseIntFlag(values['timeout-ms'], 'timeout-ms', 60_000);
  const { app } = await loadApp(values.app, values.redis);
  await connectOnce(app);
  const result = app.asyncResult(id, { queue: values.queue });
  if (values.wait) await result.get({ timeoutMs }).catch(() => {}); // the record below says how it ended
  const record = await result.record();
  await app.close();
  switch (record?.state) {
    case undefined:
      console.log(`${id}  PENDING  (not started, unknown or expired; results are kept per queue: this looked in "${result.queue}")`);
      return values.wait ? 1 : 0;
    case 'SUCCESS':
      console.log(`${id}  SUCCESS  ${JSON.stringify(record.value)}`);
      return 0;
    case 'FAILURE':
      console.log(`${id}  FAILURE  ${record.error.name}: ${record.error.message}`);
      return 1;
    case 'REVOKED':
      console.log(`${id}  REVOKED  ${record.reason}`);
      return 1;
    case 'RETRY':
      console.log(`${id}  RETRY  retry ${record.retries} at ${new Date(record.eta).toISOString()} after ${record.error.name}: ${record.error.message}`);
      return values.wait ? 1 : 0;
    case 'STARTED':
      console.log(`${id}  STARTED  since ${new Date(record.startedAt).toISOString()}`);
      return values.wait ? 1 : 0;
  }
  return 1; // a state this version does not know: not a success
}
