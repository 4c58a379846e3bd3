/**
 * `hardq inspect <what>`: what the workers are doing, read from the registry records they
 * write every second (admin/inspect.ts), so no worker is asked and a busy one still answers.
 * Celery's names: active, reserved, registered, active_queues, conf, stats, scheduled, revoked.
 */
import {
  inspectActive, inspectActiveQueues, inspectConf, inspectGroups, inspectRegistered, inspectReserved, inspectRevoked, inspectScheduled, inspectStats,
  knownQueues, type App, type TaskSummary,
} from 'hardq';
import { UsageError } from './exit.ts';
import { parseFlags } from './flags.ts';
import { appFlags, withApp } from './one-shot.ts';
import { tlsUsage } from './app-loader.ts';
import { didYouMean } from './suggest.ts';
import { ago, table } from './table.ts';

const views = ['active', 'reserved', 'registered', 'active_queues', 'conf', 'stats', 'scheduled', 'revoked'] as const;
type View = (typeof views)[number];

export const usage = `usage: hardq inspect <${views.join('|')}> [options]
  -A, --app <module>        app module (for its prefix and default queue)
  --redis <url>             redis:// or rediss:// URL; wins over the app's own setting
${tlsUsage(28)}
  -d, --destination <id>    one worker only (default: every worker with a record)
  -Q, --queues <a,b>        scheduled and revoked: these queues (default: every known queue)
  --json                    one JSON object instead of tables
  -h, --help                this text
Workers write their record every second; one silent for two seconds shows as offline, and
leaves the list five seconds after its last record. The processes of one worker group
(hardq worker --processes N) are listed together under the group's id.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('hardq inspect', {
    args: argv,
    allowPositionals: true,
    options: {
      ...appFlags,
      destination: { type: 'string', short: 'd' },
      queues: { type: 'string', short: 'Q' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const view = positionals[0] as View | undefined;
  if (view === undefined || !views.includes(view) || positionals.length > 1) {
    throw new UsageError(`inspect what? one of ${views.join(', ')}${view === undefined ? '' : didYouMean(view, [...views])} (see hardq inspect --help)`);
  }
  return withApp(values, async (app) => {
    const data = await read(app, view, values.destination, values.queues);
    const perWorker = view !== 'scheduled' && view !== 'revoked';
    console.log(values.json ? JSON.stringify(data, null, 2) : render(view, data, perWorker ? await inspectGroups(app) : {}));
    return 0;
  });
}

async function read(app: App, view: View, worker: string | undefined, queuesFlag: string | undefined): Promise<unknown> {
  const queues = async () => (queuesFlag?.split(',').filter(Boolean) ?? (await knownQueues(app))).sort();
  switch (view) {
    case 'active': return inspectActive(app, worker);
    case 'reserved': return inspectReserved(app, worker);
    case 'registered': return inspectRegistered(app, worker);
    case 'active_queues': return inspectActiveQueues(app, worker);
    case 'conf': return inspectConf(app, worker);
    case 'stats': return inspectStats(app, worker);
    case 'scheduled': return inspectScheduled(app, await queues());
    case 'revoked': return inspectRevoked(app, await queues());
  }
}

const taskRows = (tasks: TaskSummary[], now: number) => tasks.map((t) => [t.id, t.task, t.queue, t.startedAt === undefined ? undefined : ago(now - t.startedAt), t.args]);

/** Each worker of a group with the group's header before the first of them; workers alone first. */
function byGroup(entries: [string, unknown][], groups: Record<string, string[]>): [string, unknown, string | undefined][] {
  const groupOf = new Map(Object.entries(groups).flatMap(([group, ids]) => ids.map((id) => [id, group] as const)));
  const sorted = entries.map(([key, value]) => [key, value, groupOf.get(key)] as [string, unknown, string | undefined])
    .sort((a, b) => (a[2] ?? '').localeCompare(b[2] ?? '') || a[0].localeCompare(b[0]));
  return sorted.map(([key, value, group], i) => {
    const first = group !== undefined && sorted[i - 1]?.[2] !== group;
    return [key, value, first ? `group ${group}: ${groups[group]!.length} worker process(es)` : undefined];
  });
}

function render(view: View, data: unknown, groups: Record<string, string[]>): string {
  const entries = Object.entries(data as Record<string, unknown>);
  if (entries.length === 0) return view === 'scheduled' || view === 'revoked' ? 'no queues (give -Q)' : 'no workers';
  const now = Date.now();
  return byGroup(entries, groups).map(([key, value, header]) => (header === undefined ? '' : `${header}\n`) + renderOne(view, key, value, now)).join('\n\n');
}

function renderOne(view: View, key: string, value: unknown, now: number): string {
  switch (view) {
    case 'active':
    case 'reserved':
      return `${key}: ${(value as TaskSummary[]).length} task(s)\n${table(['id', 'task', 'queue', 'running for', 'args'], taskRows(value as TaskSummary[], now))}`;
    case 'scheduled':
      return `${key}:\n${table(['id', 'task', 'due in', 'args'], (value as (TaskSummary & { etaMs: number })[]).map((t) => [t.id, t.task, ago(Math.max(0, t.etaMs - now)), t.args]))}`;
    case 'registered':
      return `${key}:\n${table(['task', 'options'], (value as { name: string; options: object }[]).map((t) => [t.name, JSON.stringify(t.options)]))}`;
    case 'stats': {
      const s = value as {
        host: string; pid: number; online: boolean; ageMs: number; mode: string; pool: string; concurrency: number; inFlight: number;
        counts: Record<string, number>; autoscale?: { max: number; min: number }; poolSize?: number;
      };
      const autoscale = s.autoscale === undefined ? '' : ` (autoscale ${s.autoscale.max},${s.autoscale.min})`;
      return `${key}: ${s.online ? 'online' : `OFFLINE (silent for ${ago(s.ageMs)})`}, ${s.host} pid ${s.pid}, ${s.mode} mode, ${s.pool} pool, ` +
        `concurrency ${s.concurrency}${autoscale}${s.poolSize === undefined ? '' : `, pool size ${s.poolSize}`}, holding ${s.inFlight}\n  ${Object.entries(s.counts).map(([state, n]) => `${state} ${n}`).join('  ')}`;
    }
    default:
      return `${key}: ${Array.isArray(value) ? value.join(', ') : JSON.stringify(value)}`;
  }
}
