/**
 * `hardq result`: prints one task's state and value. Results are stored per queue, so the
 * queue must be the one the task ran on (default: the app's default queue).
 */
import type { App, ResultRecord } from 'hardq';
import { UsageError } from './exit.ts';
import { parseFlags, parseIntFlag } from './flags.ts';
import { loadApp, tlsFlags, tlsUsage } from './app-loader.ts';
import { connectOnce } from './connect.ts';

export const usage = `usage: hardq result <id>... [options]
  -A, --app <module>   app module (for its prefix and default queue)
  --redis <url>        redis:// or rediss:// URL; wins over the app's own setting
${tlsUsage(23)}
  --queue <q>          the queue the task was sent to (default: the app's default queue)
  --wait               wait for a final state instead of printing the current one
  --timeout-ms <n>     how long --wait waits (default 60000)
  -h, --help           this text
Prints "<id>  <STATE>  <value or error>" per id, and for many ids a count per state on stderr;
exits 1 on FAILURE or REVOKED (and, with --wait, on anything not final).`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('hardq result', {
    args: argv,
    allowPositionals: true,
    options: {
      app: { type: 'string', short: 'A' },
      redis: { type: 'string' },
      ...tlsFlags,
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
  if (positionals.length === 0) throw new UsageError('give a task id (see hardq result --help)');
  const timeoutMs = parseIntFlag(values['timeout-ms'], 'timeout-ms', 60_000);
  const { app } = await loadApp(values.app, values.redis, values);
  await connectOnce(app);
  const states = new Map<string, number>();
  let worst = 0;
  for (const id of positionals) {
    const [state, code] = await show(app, id, values.queue, values.wait ? timeoutMs : undefined);
    states.set(state, (states.get(state) ?? 0) + 1);
    worst = Math.max(worst, code);
  }
  await app.close();
  // Many ids (the kill -9 recipe): one count line at the end.
  if (positionals.length > 1) console.error(`${positionals.length} ids: ${[...states].map(([state, n]) => `${n} ${state}`).join(', ')}`);
  return worst;
}

/** Prints one id's line; returns its state and the exit code it deserves. */
async function show(app: App, id: string, queue: string | undefined, waitMs: number | undefined): Promise<[string, number]> {
  const result = app.asyncResult(id, { queue });
  if (waitMs !== undefined) await result.get({ timeoutMs: waitMs }).catch(() => {}); // the record below says how it ended
  const record = await result.record();
  return [record?.state ?? 'PENDING', printRecord(id, record, result.queue, waitMs !== undefined)];
}

function printRecord(id: string, record: ResultRecord | null, queue: string, wait: boolean): number {
  switch (record?.state) {
    case undefined:
      console.log(`${id}  PENDING  (not started, unknown or expired; results are kept per queue: this looked in "${queue}")`);
      return wait ? 1 : 0;
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
      return wait ? 1 : 0;
    case 'STARTED':
      console.log(`${id}  STARTED  since ${new Date(record.startedAt).toISOString()}`);
      return wait ? 1 : 0;
  }
  return 1; // a state this version does not know: not a success
}
