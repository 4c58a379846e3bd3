/**
 * `hardq beat`: runs the periodic-task scheduler for the app's schedules (any number of
 * beats may run: one leads, the rest wait), and `hardq beat add|rm|list` changes and shows
 * the schedules stored in Redis at run time. See docs/BEAT.md.
 */
import { addSchedule, listSchedules, removeSchedule, runBeat, type App, type CatchUp, type ScheduleEntry } from 'hardq';
import { UsageError } from './exit.ts';
import { parseFlags, parseIntFlag, parseJsonFlag } from './flags.ts';
import { loadApp, tlsFlags, tlsUsage, type TlsFlagValues } from './app-loader.ts';
import { connectOnce, connectPatiently, connectTimeoutMs } from './connect.ts';

export const usage = `usage: hardq beat -A <module> [options]        run the scheduler for the app's schedules
       hardq beat add <name> --task <t> (--every <d> | --cron <pattern>) [options]
       hardq beat rm <name>
       hardq beat list [--json]
  -A, --app <module>          app module (required to run; for add, rm and list it sets Redis and prefix)
  --redis <url>               redis:// or rediss:// URL; wins over the app's own setting
${tlsUsage(30)}
running:
  --lease-ms <n>              how long the lead lasts without renewal; a killed leader's successor
                              takes over within about this (default 10000)
  --tick-ms <n>               how often each beat wakes (default 250)
  --connect-timeout-ms <n>    how long to wait for Redis at start (default 5000)
add:
  --task <name>               the task to send        --args <json>     a JSON array (default [])
  --kwargs <json>             a JSON object           --queue <q>       instead of the task's route
  --every <d>                 500ms, 30s, 5m, 2h, 1d  --offset-ms <n>   slots at offset + k·every
  --cron <pattern>            5 fields (6 with seconds first)   --tz <zone>   e.g. Europe/Berlin (default UTC)
  --catch-up <latest|none|all>      slots missed while no beat led (default latest)
  --starting-deadline-ms <n>        skip a slot older than this when a beat gets to it
  -h, --help                  this text
Ctrl-C (SIGINT) or SIGTERM stops the beat and gives the lead back at once.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('hardq beat', {
    args: argv,
    allowPositionals: true,
    options: {
      app: { type: 'string', short: 'A' }, redis: { type: 'string' }, ...tlsFlags,
      'lease-ms': { type: 'string' }, 'tick-ms': { type: 'string' }, 'connect-timeout-ms': { type: 'string' },
      task: { type: 'string' }, args: { type: 'string' }, kwargs: { type: 'string' }, queue: { type: 'string' },
      every: { type: 'string' }, 'offset-ms': { type: 'string' }, cron: { type: 'string' }, tz: { type: 'string' },
      'catch-up': { type: 'string' }, 'starting-deadline-ms': { type: 'string' },
      json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [action, name, ...extra] = positionals;
  if (action === undefined) {
    if (values.app === undefined) throw new UsageError('give the app module with -A <module> (see hardq beat --help)');
    return runScheduler(values);
  }
  if (extra.length > 0 || !['add', 'rm', 'list'].includes(action)) throw new UsageError(`unexpected argument ${extra[0] ?? action} (see hardq beat --help)`);
  if (action !== 'list' && name === undefined) throw new UsageError(`give the schedule's name: hardq beat ${action} <name>`);
  if (action === 'list' && name !== undefined) throw new UsageError(`unexpected argument ${name} (see hardq beat --help)`);
  const { app } = await loadApp(values.app, values.redis, values);
  await connectOnce(app);
  try {
    if (action === 'add') return await add(app, name!, values);
    if (action === 'rm') {
      const removed = await removeSchedule(app, name!);
      console.log(removed ? `removed ${name}` : `no schedule named ${name}`);
      return removed ? 0 : 1;
    }
    return await list(app, values.json === true);
  } finally {
    await app.close();
  }
}

type Values = Record<string, string | boolean | undefined>;
const text = (values: Values, flag: string) => values[flag] as string | undefined;

async function runScheduler(values: Values): Promise<number> {
  const leaseMs = parseIntFlag(text(values, 'lease-ms'), 'lease-ms', 10_000, 1);
  const tickMs = parseIntFlag(text(values, 'tick-ms'), 'tick-ms', Math.min(250, Math.floor(leaseMs / 3)), 1);
  const waitMs = connectTimeoutMs(text(values, 'connect-timeout-ms'));
  const { app, module } = await loadApp(text(values, 'app'), text(values, 'redis'), values as TlsFlagValues);
  const log = (line: string) => console.error(line);
  await connectPatiently(app, waitMs, log);
  const beat = await runBeat(app, { leaseMs, tickMs, log });
  log(`[hardq] beat ${beat.lease.token} started for ${module}: ${app.schedules.size} schedule(s) of the app, lease ${leaseMs} ms, tick ${tickMs} ms`);
  let stopping: Promise<void> | undefined;
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping !== undefined) process.exit(signal === 'SIGINT' ? 130 : 143); // a second signal: quit at once
      log(`${signal}: stopping the beat and giving the lead back`);
      stopping = beat.close().then(resolve, resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  log(`[hardq] beat stopped: ${beat.counts.sent} slot(s) sent, ${beat.counts.alreadySent} found already sent, ${beat.counts.skipped} skipped`);
  await app.close();
  return 0;
}

async function add(app: App, name: string, values: Values): Promise<number> {
  const task = text(values, 'task');
  if (task === undefined) throw new UsageError('give the task to send with --task <name>');
  const args = parseJsonFlag(text(values, 'args'), 'args') ?? [];
  if (!Array.isArray(args)) throw new UsageError('--args must be a JSON array, such as \'[2, 3]\'');
  const kwargs = parseJsonFlag(text(values, 'kwargs'), 'kwargs') as { [key: string]: unknown } | undefined;
  if (kwargs !== undefined && (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs))) throw new UsageError('--kwargs must be a JSON object');
  const every = text(values, 'every');
  const cron = text(values, 'cron');
  if ((every === undefined) === (cron === undefined)) throw new UsageError('give --every <duration> or --cron <pattern>, one of the two');
  const offsetMs = text(values, 'offset-ms') === undefined ? undefined : parseIntFlag(text(values, 'offset-ms'), 'offset-ms', 0);
  const timing = every !== undefined ? { every: /^\d+$/.test(every) ? Number(every) : every, offsetMs } : { cron: cron!, tz: text(values, 'tz') };
  const catchUp = text(values, 'catch-up') as CatchUp | undefined;
  const deadline = text(values, 'starting-deadline-ms');
  const startingDeadlineMs = deadline === undefined ? undefined : parseIntFlag(deadline, 'starting-deadline-ms', 0, 1);
  const { version, outcome } = await addSchedule(app, name, { task, args, kwargs, queue: text(values, 'queue') }, timing, { catchUp, startingDeadlineMs });
  console.log(`${outcome} ${name} (version ${version})`);
  return 0;
}

const when = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));

async function list(app: App, json: boolean): Promise<number> {
  const { schedules, leader, unreadable } = await listSchedules(app);
  if (json) {
    console.log(JSON.stringify({ leader: leader ?? null, schedules, unreadable }, null, 2));
    return 0;
  }
  console.log(`leader: ${leader ?? 'none (no beat running)'}`);
  const rows = schedules.map((entry: ScheduleEntry) => [
    entry.definition.name, `v${entry.state.version}`, entry.timing, entry.definition.task, entry.definition.queue ?? '(route)',
    entry.definition.catchUp, when(entry.state.lastSlotMs), when(entry.nextSlotMs),
  ]);
  const table = [['NAME', 'VERSION', 'WHEN', 'TASK', 'QUEUE', 'CATCH-UP', 'LAST RUN', 'NEXT RUN'], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  for (const name of unreadable) console.log(`${name}: unreadable entry in Redis (remove it with hardq beat rm ${name})`);
  return 0;
}
