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

export const readRoutes: Route[] = [
  get(/^\/api\/config$/, async (c) => ({
    version: hardqVersion, readOnly: c.readOnly, prefix: c.app.config.prefix, defaultQueue: c.app.config.defaultQueue, queues: await queueNames(c),
    // What waits on the events helper's readers; the pages mark these panels instead of faking them.
    waiting: { counters: 'per-minute counters (issue 11, item 5)', events: 'task events stream (issue 11, item 5)' },
  })),
  get(/^\/api\/workers$/, async (c) => listWorkers(c.app)),
  get(/^\/api\/queues(?:\/length)?$/, async (c) => Promise.all((await queueNames(c)).map((queue) => queueStats(c.app, queue)))),
  get(/^\/api\/queue\/([^/]+)\/dead$/, async (c) => listDeadLetters(c.app, c.params[0]!, {
    reason: optional(c.url, 'reason'), id: optional(c.url, 'id'), limit: limitOf(c.url),
  })),
  get(/^\/api\/tasks$/, async (c) => listTasks(c.app, await queueNames(c), {
    state: optional(c.url, 'state'), name: optional(c.url, 'name'), queue: optional(c.url, 'queue'), worker: optional(c.url, 'worker'), id: optional(c.url, 'id'), limit: limitOf(c.url),
  })),
  get(/^\/api\/task\/info\/([^/]+)$/, async (c) => {
    const queue = optional(c.url, 'queue');
    return taskInfo(c.app, c.params[0]!, queue === undefined ? await queueNames(c) : [queue]);
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
