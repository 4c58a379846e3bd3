/**
 * What a route receives and how the server picks one: a method, a path pattern whose
 * groups become `params`, and a handler returning the JSON to send (or undefined when it
 * answered by itself, as the live feed does).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../shared/app-config.ts';
import type { ResultWaiter } from '../producer/result-waiter.ts';
import type { LiveFeed } from './live-feed.ts';
import type { WorkerView } from '../admin/inspect.ts';

export type RouteContext = {
  app: AppContext;
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  params: string[];
  feed: LiveFeed;
  waiter: ResultWaiter;
  /** The queues shown: fixed by the options, or the default queue and every worker's. */
  queuesOf(workers: WorkerView[]): string[];
  readOnly: boolean;
};

export type Route = {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle(context: RouteContext): Promise<unknown>;
};

export function findRoute(routes: Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, params: match.slice(1).map((part) => decodeURIComponent(part)) };
  }
  return undefined;
}
