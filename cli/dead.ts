/**
 * `hardq dead list|show|requeue|drop`: the dead-letter list of a queue
 * (admin/dead-letters.ts). Requeue keeps the task's id, starts its delivery and retry counts
 * over and deletes its old result in the same step; it and drop need --id, --reason or --all.
 */
import { dropDeadLetters, listDeadLetters, requeueDeadLetters, type DeadLetter } from 'hardq';
import { UsageError } from './exit.ts';
import { parseFlags, parseIntFlag } from './flags.ts';
import { appFlags, withApp } from './one-shot.ts';
import { tlsUsage } from './app-loader.ts';
import { didYouMean } from './suggest.ts';
import { table } from './table.ts';

const actions = ['list', 'show', 'requeue', 'drop'] as const;

export const usage = `usage: hardq dead <${actions.join('|')}> [options]
  -A, --app <module>    app module (for its prefix and default queue)
  --redis <url>         redis:// or rediss:// URL; wins over the app's own setting
${tlsUsage(24)}
  -Q, --queue <q>       the queue (default: the app's default queue)
  --reason <r>          only entries of this reason (malformed, invalid, unknown-task, ...)
  --id <id>             only the entry of this task id
  --all                 requeue or drop every entry (or every one matching --reason)
  --limit <n>           list at most n entries (default 20)
  --json                JSON instead of a table
  -h, --help            this text`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('hardq dead', {
    args: argv,
    allowPositionals: true,
    options: {
      ...appFlags,
      queue: { type: 'string', short: 'Q' },
      reason: { type: 'string' },
      id: { type: 'string' },
      all: { type: 'boolean', default: false },
      limit: { type: 'string' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const action = positionals[0] as (typeof actions)[number] | undefined;
  if (action === undefined || !actions.includes(action)) {
    throw new UsageError(`dead what? one of ${actions.join(', ')}${action === undefined ? '' : didYouMean(action, [...actions])} (see hardq dead --help)`);
  }
  const filter = { reason: values.reason, id: values.id, all: values.all };
  if ((action === 'requeue' || action === 'drop') && !values.all && values.reason === undefined && values.id === undefined) {
    throw new UsageError(`${action} needs --id, --reason or --all (see hardq dead --help)`);
  }
  if (action === 'show' && values.id === undefined) throw new UsageError('show needs --id (see hardq dead --help)');
  const limit = parseIntFlag(values.limit, 'limit', 20, 1);
  return withApp(values, async (app): Promise<number> => {
    const queue = values.queue ?? app.config.defaultQueue;
    switch (action) {
      case 'list':
      case 'show': {
        const letters = await listDeadLetters(app, queue, { ...filter, limit: action === 'show' ? 1 : limit });
        if (action === 'show' && letters.length === 0) {
          console.error(`no dead letter for id ${values.id} on "${queue}"`);
          return 1;
        }
        console.log(values.json || action === 'show' ? JSON.stringify(action === 'show' ? letters[0] : letters, null, 2) : render(letters));
        return 0;
      }
      case 'requeue': {
        const { requeued, skipped } = await requeueDeadLetters(app, queue, filter);
        console.log(`${requeued} requeued on "${queue}"${skipped.length > 0 ? `; ${skipped.length} skipped (cannot run as they are: ${[...new Set(skipped.map((s) => s.reason))].join(', ')})` : ''}`);
        return 0;
      }
      case 'drop':
        console.log(`${await dropDeadLetters(app, queue, filter)} dropped from "${queue}"`);
        return 0;
    }
  });
}

function render(letters: DeadLetter[]): string {
  if (letters.length === 0) return 'no dead letters';
  return table(['dead at', 'reason', 'id', 'task', 'error'], letters.map((l) => [
    l.deadAt === undefined ? undefined : new Date(l.deadAt).toISOString(), l.reason, l.id, l.task, l.error?.slice(0, 80),
  ]));
}
