/**
 * The JSON API's reads (GET), named as Flower names them where Flower has one: workers,
 * tasks, task info and result, queue lengths, dead letters, schedules, the feed's recent
 * samples, and the live feed itself (server-sent events). Each calls admin/ or beat/
 * functions; none keeps state of its own.
 */
import { listWorkers } from '../admin/inspect.ts';
import { queueStats } from '../admin/queues.ts';
import { listDeadLetters } from '../admin/dead-letters.ts';
import { taskInfo } from '../admin/task-info.ts';
import { listSchedules } from '../beat/store.ts';
import { readEvents } from '../admin/events.ts';
import { counterTotals, minuteSeries } from '../admin/counters.ts';
import { hardqVersion } from '../shared/worker-record.ts';
import { HttpError } from './http-util.ts';
import { listTasks } from './task-list.ts';
import type { Route, RouteContext } from './route.ts';

const get = (pattern: RegExp, handle: Route['handle']): Route => ({ method: 'GET', pattern, handle });

const queueNames = async ({ app, queuesOf }: RouteContext) => queuesOf(await listWorkers(app));

function limitOf(url: URL, fallback = 100): number {
  const text = url.searchParams.get('limit');
  if (text === null) return fallback;
  const limit = Number(text);
  if (!(Number.isSafeInteger(limit) && limit >= 1 && limit <= 10_000)) throw new HttpError(400, 'limit must be a whole number from 1 to 10000');
  return limit;
}

const optional = (url: URL, name: string) => url.searchParams.get(name) || undefined;

function sinceOf(url: URL): number | undefined {
  const text = optional(url, 'sinceMs');
  if (text === undefined) return undefined;
  if (!Number.isFinite(Number(text))) throw new HttpError(400, 'sinceMs must be epoch ms');
  return Number(text);
}

/** How far back in a queue's stream a task page looks for the task's events. */
const timelineScan = 2000;

/** The task's events, oldest first, from its queue's capped stream; says so when they aged out. */
async function timelineOf(c: RouteContext, id: string, queue: string | undefined): Promise<{ events: unknown[]; eventsNote?: string }> {
  if (queue === undefined) return { events: [], eventsNote: 'the task was not found in any queue shown, so its stream is unknown' };
  const events = (await readEvents(c.app, { queues: [queue], count: timelineScan, workers: false })).filter((record) => record.kind === 'task' && record.event.id === id);
  if (events.length > 0) return { events };
  return { events, eventsNote: `no events in the newest ${timelineScan} of ${queue}'s stream: the task aged out of the capped stream, or ran with events off` };
}

export const readRoutes: Route[] = [
  get(/^\/api\/config$/, async (c) => ({
    version: hardqVersion, readOnly: c.readOnly, prefix: c.app.config.prefix, defaultQueue: c.app.config.defaultQueue, queues: await queueNames(c),
  })),
  get(/^\/api\/workers$/, async (c) => listWorkers(c.app)),
  get(/^\/api\/queues(?:\/length)?$/, async (c) => Promise.all((await queueNames(c)).map((queue) => queueStats(c.app, queue)))),
  get(/^\/api\/queue\/([^/]+)\/dead$/, async (c) => listDeadLetters(c.app, c.params[0]!, {
    reason: optional(c.url, 'reason'), id: optional(c.url, 'id'), limit: limitOf(c.url),
  })),
  get(/^\/api\/tasks$/, async (c) => listTasks(c.app, await queueNames(c), {
    state: optional(c.url, 'state'), name: optional(c.url, 'name'), queue: optional(c.url, 'queue'), worker: optional(c.url, 'worker'), id: optional(c.url, 'id'), limit: limitOf(c.url),
    sinceMs: sinceOf(c.url),
  })),
  get(/^\/api\/task\/info\/([^/]+)$/, async (c) => {
    const queue = optional(c.url, 'queue');
    const info = await taskInfo(c.app, c.params[0]!, queue === undefined ? await queueNames(c) : [queue]);
    return { ...info, ...(await timelineOf(c, info.id, info.queue)) };
  }),
  get(/^\/api\/events$/, async (c) => {
    const queue = optional(c.url, 'queue');
    const events = await readEvents(c.app, { queues: queue === undefined ? await queueNames(c) : [queue], count: limitOf(c.url), workers: c.url.searchParams.get('workers') !== 'false' });
    const id = optional(c.url, 'id');
    return id === undefined ? events : events.filter((record) => record.kind === 'task' && record.event.id === id);
  }),
  get(/^\/api\/counters$/, async (c) => {
    const queues = await queueNames(c);
    const minutes = limitOf(c.url, 60);
    return { totals: await counterTotals(c.app, { queues }), minutes: await minuteSeries(c.app, { queues, fromMs: Date.now() - (minutes - 1) * 60_000 }) };
  }),
  get(/^\/api\/task\/result\/([^/]+)$/, async (c) => {
    const queue = optional(c.url, 'queue');
    const info = await taskInfo(c.app, c.params[0]!, queue === undefined ? await queueNames(c) : [queue]);
    return { id: info.id, state: info.state, result: info.result };
  }),
  get(/^\/api\/schedules$/, async (c) => listSchedules(c.app)),
  get(/^\/api\/history$/, async (c) => ({ samples: c.feed.history() })),
  get(/^\/api\/live$/, async (c) => {
    c.feed.attach(c.response);
    return undefined;
  }),
];
