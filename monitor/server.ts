/**
 * `startMonitor(app, options)`: the dashboard's HTTP server (node:http). For each request:
 * 1. the Host check and the token (monitor/auth.ts); /login?token=… sets the page cookie;
 * 2. /metrics, /healthcheck, the JSON API (monitor/api-read.ts, api-actions.ts) or a file;
 * 3. for a POST, the CSRF check and read-only mode first.
 * One live feed (monitor/live-feed.ts) serves every open page.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppContext } from '../shared/app-config.ts';
import { InvalidOptionError } from '../shared/errors.ts';
import { ResultWaiter } from '../producer/result-waiter.ts';
import { authorized, cookieName, csrfProblem, hostName, isLoopback, tokenMatches } from './auth.ts';
import { HttpError, isNoPermission, sendJson, sendText, statusOf } from './http-util.ts';
import { LiveFeed } from './live-feed.ts';
import { metricsText } from './metrics.ts';
import { prometheusContentType } from './prometheus-text.ts';
import { Sampler } from './sample.ts';
import { loadStaticFiles, serveStatic } from './static-files.ts';
import { readRoutes } from './api-read.ts';
import { actionRoutes } from './api-actions.ts';
import { findRoute, type RouteContext } from './route.ts';

export type MonitorOptions = {
  /** @default 5555 (0 picks a free port) */
  port?: number;
  /** Interface to bind. Anything but loopback needs a token. @default '127.0.0.1' */
  host?: string;
  /** When set, every page, API call and (unless metricsPublic) /metrics needs it. */
  token?: string;
  /** Hide and refuse every action (send, revoke, control, purge, requeue, drop). @default false */
  readOnly?: boolean;
  /** Serve /metrics without the token, for a Prometheus that cannot send one. @default false */
  metricsPublic?: boolean;
  /** The queues to show; without it, the app's default queue and every queue a worker consumes. */
  queues?: string[];
  /** How often the live feed reads Redis, in ms. @default 1000 */
  intervalMs?: number;
  /** How many feed samples the charts keep (the ring's size). @default 300 */
  historySize?: number;
};

export type Monitor = { url: string; close(): Promise<void> };

const routes = [...readRoutes, ...actionRoutes];

export async function startMonitor(app: AppContext, options: MonitorOptions = {}): Promise<Monitor> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token === '' ? undefined : options.token;
  if (!isLoopback(host) && token === undefined) {
    throw new InvalidOptionError(`refusing to serve the monitor on ${host} without a token: anyone who reaches it could revoke tasks and stop workers; pass --token or --token-file, or bind 127.0.0.1`);
  }
  const intervalMs = options.intervalMs ?? 1000;
  // The counters change per minute: read them every 10 ticks, not every tick.
  const sampler = new Sampler(app, options.queues, 10 * intervalMs);
  const queuesOf = sampler.queuesOf.bind(sampler);
  const feed = new LiveFeed(sampler, { intervalMs, historySize: options.historySize ?? 300, log: app.config.log });
  const waiter = new ResultWaiter(app);
  const files = loadStaticFiles();
  const readOnly = options.readOnly === true;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://monitor.invalid');
    const path = url.pathname;
    // Without a token, loopback is the only defence: a page on another site that rebinds its
    // own name to 127.0.0.1 still sends its own Host, and is refused here.
    if (token === undefined && !isLoopback(hostName(request))) throw new HttpError(403, 'this monitor answers only on a loopback host name (start it with --token to serve others)');
    if (path === '/login' && token !== undefined) {
      if (!tokenMatches(token, url.searchParams.get('token') ?? undefined)) throw new HttpError(401, 'wrong or missing token: open /login?token=<the monitor\'s token>');
      response.writeHead(303, { location: '/', 'set-cookie': `${cookieName}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/` });
      response.end();
      return;
    }
    if (path === '/healthcheck') return sendText(response, 200, 'OK');
    const isMetrics = path === '/metrics';
    if (!authorized(request, token) && !(isMetrics && options.metricsPublic === true)) {
      throw new HttpError(401, path.startsWith('/api/') || isMetrics ? 'this monitor needs its token: send Authorization: Bearer <token>' : 'this monitor needs its token: open /login?token=<token> once');
    }
    if (isMetrics) return sendText(response, 200, await metricsText(app, queuesOf), prometheusContentType);
    const found = findRoute(routes, request.method ?? 'GET', path);
    if (found === undefined) {
      if (request.method === 'GET' && serveStatic(files, path, response)) return;
      throw new HttpError(404, `no ${request.method} ${path} here`);
    }
    if (found.route.method === 'POST') {
      if (readOnly) throw new HttpError(403, 'this monitor is read-only (started with --read-only)');
      const problem = csrfProblem(request);
      if (problem !== undefined) throw new HttpError(403, `refused as cross-site: ${problem}`);
    }
    const context: RouteContext = { app, request, response, url, params: found.params, feed, waiter, queuesOf, readOnly };
    const value = await found.route.handle(context);
    if (value !== undefined || !response.headersSent) sendJson(response, 200, value ?? null);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = statusOf(error);
      if (status === 500) app.config.log(`[hardq monitor] ${request.method} ${request.url} failed: ${(error as Error).stack ?? String(error)}`);
      if (response.headersSent) return void response.end();
      const message = isNoPermission(error) ? `the monitor's Redis user may not do this (NOPERM): run it with a user of the admin role, or --read-only` : (error as Error).message ?? String(error);
      if ((request.headers.accept ?? '').includes('text/html') && !(request.url ?? '').startsWith('/api/')) sendText(response, status, message);
      else sendJson(response, status, { error: message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 5555, host, () => resolve());
  });
  feed.start();
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    async close() {
      await feed.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await waiter.close();
    },
  };
}
