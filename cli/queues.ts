/**
 * `hardq queues`: per queue, what waits (ready, scheduled), what is held (processing,
 * quarantine), what died (dead), and how long the next message has waited
 * (admin/queues.ts). Queues come from -Q, else the known-queues set (every queue sent to or
 * consumed; admin/known-queues.ts), every queue a live worker consumes, and the app's default
 * queue. --scan first rebuilds the set from the keys in Redis.
 */
import { knownQueues, listQueues, queueStats, rebuildQueueSet } from 'hardq';
import { parseFlags } from './flags.ts';
import { appFlags, withApp } from './one-shot.ts';
import { tlsUsage } from './app-loader.ts';
import { ago, table } from './table.ts';

export const usage = `usage: hardq queues [options]
  -A, --app <module>    app module (for its prefix and default queue)
  --redis <url>         redis:// or rediss:// URL; wins over the app's own setting
${tlsUsage(24)}
  -Q, --queues <a,b>    these queues (default: every known queue: sent to, or consumed by a worker)
  --scan                first rebuild the known-queues set with SCAN (queues used before it existed)
  --json                one JSON array instead of a table
  -h, --help            this text`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('hardq queues', {
    args: argv,
    options: {
      ...appFlags,
      queues: { type: 'string', short: 'Q' },
      scan: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  return withApp(values, async (app) => {
    if (values.scan) {
      const { added, removed } = await rebuildQueueSet(app);
      if (!values.json) console.error(`known-queues set rebuilt: ${added.length} added, ${removed.length} removed (no key left)`);
    }
    const names = values.queues?.split(',').filter(Boolean)
      ?? [...new Set([app.config.defaultQueue, ...(await listQueues(app)), ...(await knownQueues(app))])].sort();
    const stats = await Promise.all(names.map((queue) => queueStats(app, queue)));
    console.log(values.json ? JSON.stringify(stats, null, 2) : table(
      ['queue', 'ready', 'scheduled', 'processing', 'quarantine', 'dead', 'consumers', 'oldest waiting'],
      stats.map((s) => [s.queue, s.ready, s.scheduled, s.processing, s.quarantine, s.dead, s.consumers, ago(s.oldestAgeMs)]),
    ));
    return 0;
  });
}
