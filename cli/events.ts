/**
 * `hardq events`: follows the task and worker event streams (admin/events.ts), like
 * `celery events --dump`: one line per event as it comes, or one JSON object per line with
 * --json. Workers write events when started with -E (or after `hardq control enable_events`).
 * Stops on Ctrl-C or SIGTERM, or after --count events.
 */
import { tailEvents, type EventRecord } from 'hardq';
import { parseFlags, parseIntFlag } from './flags.ts';
import { appFlags, withApp } from './one-shot.ts';
import { tlsUsage } from './app-loader.ts';

export const usage = `usage: hardq events [options]
  -A, --app <module>    app module (for its prefix)
  --redis <url>         redis:// or rediss:// URL; wins over the app's own setting
${tlsUsage(24)}
  -Q, --queues <a,b>    only these queues' task events (default: every known queue, and new ones as they appear)
  --no-workers          leave out worker events (online, heartbeat, offline)
  --last <n>            first print the latest n events (default 0: only new ones)
  --count <n>           stop after n events (default: run until Ctrl-C)
  --json                one JSON object per line: {stream id, storedAt, kind, queue, type, event}
  -h, --help            this text
Workers write events only when they run with -E (hardq worker -E) or after
hardq control enable_events; counters are written always (see hardq inspect, the monitor).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('hardq events', {
    args: argv,
    options: {
      ...appFlags,
      queues: { type: 'string', short: 'Q' },
      'no-workers': { type: 'boolean', default: false },
      last: { type: 'string' },
      count: { type: 'string' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const history = parseIntFlag(values.last, 'last', 0);
  const count = parseIntFlag(values.count, 'count', Number.POSITIVE_INFINITY, 1);
  const queues = values.queues?.split(',').filter(Boolean);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    return await withApp(values, async (app) => {
      let printed = 0;
      for await (const record of tailEvents(app, { queues, workers: !values['no-workers'], history, signal: stop.signal })) {
        console.log(values.json ? JSON.stringify(record) : line(record));
        if (++printed >= count) break;
      }
      return 0;
    });
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/** One event as a person reads it: time, type, then what matters for that type. */
function line(record: EventRecord): string {
  const time = new Date(record.event.at ?? record.storedAt).toISOString().slice(11, 23);
  if (record.kind === 'worker') {
    const { worker, inFlight, queues } = record.event;
    return `${time}  ${record.type.padEnd(18)}  ${worker}  queues ${queues.join(',')}${inFlight === undefined ? '' : `  in flight ${inFlight}`}`;
  }
  const e = record.event;
  const parts = [time, record.type.padEnd(18), record.queue, e.id ?? '-', e.task ?? '?'];
  if (e.args !== undefined) parts.push(`args ${e.args}`);
  if (e.runtimeMs !== undefined) parts.push(`${e.runtimeMs} ms`);
  if (e.error !== undefined) parts.push(e.error);
  if (e.reason !== undefined) parts.push(`(${e.reason})`);
  if (e.worker !== undefined) parts.push(`on ${e.worker}`);
  return parts.join('  ');
}
