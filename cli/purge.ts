/**
 * `hardq purge -Q q`: deletes what waits on a queue (admin/queues.ts purgeQueue), as
 * `celery purge` does. Without --force it asks on a terminal and refuses anywhere else, so
 * a script cannot empty a queue by accident.
 */
import { createInterface } from 'node:readline/promises';
import { purgeQueue, queueStats } from 'hardq';
import { UsageError } from './exit.ts';
import { parseFlags } from './flags.ts';
import { appFlags, withApp } from './one-shot.ts';
import { tlsUsage } from './app-loader.ts';

export const usage = `usage: hardq purge -Q <queue>[,<queue>] [options]
  -A, --app <module>    app module (for its prefix)
  --redis <url>         redis:// or rediss:// URL; wins over the app's own setting
${tlsUsage(24)}
  -Q, --queues <a,b>    the queues to purge (required)
  --scheduled           also delete the scheduled set (countdown, ETA, retries)
  -f, --force           do not ask
  -h, --help            this text
Messages held by workers and dead letters are left alone.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('hardq purge', {
    args: argv,
    options: {
      ...appFlags,
      queues: { type: 'string', short: 'Q' },
      scheduled: { type: 'boolean', default: false },
      force: { type: 'boolean', short: 'f', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const queues = values.queues?.split(',').filter(Boolean) ?? [];
  if (queues.length === 0) throw new UsageError('name the queues to purge with -Q (see hardq purge --help)');
  return withApp(values, async (app) => {
    if (!values.force) {
      if (!process.stdin.isTTY) throw new UsageError('purge deletes messages: add --force to purge without a terminal to ask on');
      const waiting = await Promise.all(queues.map((queue) => queueStats(app, queue)));
      const total = waiting.reduce((sum, s) => sum + s.ready + (values.scheduled ? s.scheduled : 0), 0);
      const prompt = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await prompt.question(`delete ${total} message(s) from ${queues.join(', ')}? [y/N] `);
      prompt.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        console.log('nothing deleted');
        return 1;
      }
    }
    for (const queue of queues) {
      const purged = await purgeQueue(app, queue, { scheduled: values.scheduled });
      console.log(`${queue}: ${purged.ready} ready${values.scheduled ? ` and ${purged.scheduled} scheduled` : ''} message(s) deleted`);
    }
    return 0;
  });
}
