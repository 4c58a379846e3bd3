/**
 * The JSON API's actions (POST): send a task (async-apply returns the id, apply waits for
 * the result, as in Flower), revoke, every remote-control command, purge, and requeue or drop
 * dead letters. Each is one admin/ or producer/ call; read-only mode refuses all of them
 * before they get here (monitor/server.ts).
 */
import { controlCommandNames, controlRevoke, controlWorkers, type ControlArgs, type ControlCommandName } from '../admin/control.ts';
import { purgeQueue } from '../admin/queues.ts';
import { dropDeadLetters, requeueDeadLetters } from '../admin/dead-letters.ts';
import { send, type SendOptions } from '../producer/send.ts';
import { AsyncResult } from '../producer/async-result.ts';
import { HttpError, readJsonBody } from './http-util.ts';
import type { Route, RouteContext } from './route.ts';

const post = (pattern: RegExp, handle: (context: RouteContext, body: Record<string, unknown>) => Promise<unknown>): Route => ({
  method: 'POST', pattern, handle: async (context) => handle(context, await readJsonBody(context.request)),
});

const text = (value: unknown, name: string): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `${name} must be a string`);
  return value;
};

const timeoutOf = (body: Record<string, unknown>, fallback: number): number => {
  const value = body.timeoutMs ?? fallback;
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= 1 && value <= 300_000)) throw new HttpError(400, 'timeoutMs must be a number of ms from 1 to 300000');
  return value;
};

/** args, kwargs and the call options a body may carry. */
function sendArgs(body: Record<string, unknown>): { args: unknown[]; options: SendOptions } {
  const args = body.args ?? [];
  if (!Array.isArray(args)) throw new HttpError(400, 'args must be a JSON array');
  const options: SendOptions = {};
  if (body.kwargs !== undefined) {
    if (typeof body.kwargs !== 'object' || body.kwargs === null || Array.isArray(body.kwargs)) throw new HttpError(400, 'kwargs must be a JSON object');
    options.kwargs = body.kwargs as Record<string, unknown>;
  }
  for (const name of ['queue', 'taskId'] as const) if (body[name] !== undefined) options[name] = text(body[name], name);
  if (body.countdownMs !== undefined) options.countdownMs = Number(body.countdownMs);
  return { args, options };
}

function control(c: RouteContext, command: ControlCommandName, args: Record<string, unknown>, body: Record<string, unknown>) {
  return controlWorkers(c.app, command, args as ControlArgs[typeof command], { workerId: text(body.worker, 'worker') ?? c.params[1], timeoutMs: timeoutOf(body, 2000) });
}

/** Flower's worker actions, by path, mapped to hardq's control commands. */
const flowerWorkerActions: Record<string, (body: Record<string, unknown>) => [ControlCommandName, Record<string, unknown>]> = {
  'shutdown': () => ['shutdown', {}],
  'pool/grow': (body) => ['pool_grow', { n: Number(body.n ?? 1) }],
  'pool/shrink': (body) => ['pool_shrink', { n: Number(body.n ?? 1) }],
  'pool/autoscale': (body) => ['autoscale', { max: Number(body.max), min: Number(body.min) }],
  'queue/add-consumer': (body) => ['add_consumer', { queue: body.queue }],
  'queue/cancel-consumer': (body) => ['cancel_consumer', { queue: body.queue }],
};

export const actionRoutes: Route[] = [
  post(/^\/api\/task\/async-apply\/([^/]+)$/, async (c, body) => {
    const { args, options } = sendArgs(body);
    const sent = await send(c.app, c.params[0]!, args, options);
    return { 'task-id': sent.id, queue: sent.queue, state: 'PENDING' };
  }),
  post(/^\/api\/task\/apply\/([^/]+)$/, async (c, body) => {
    const { args, options } = sendArgs(body);
    const sent = await send(c.app, c.params[0]!, args, options);
    const result = new AsyncResult(c.app, c.waiter, sent.id, sent.queue);
    await result.get({ timeoutMs: timeoutOf(body, 30_000) }).catch(() => undefined);
    return { 'task-id': sent.id, queue: sent.queue, state: await result.state(), result: await result.record() };
  }),
  post(/^\/api\/task\/revoke\/([^/]+)$/, async (c, body) => controlRevoke(c.app, c.params[0]!, {
    queue: text(body.queue, 'queue'), terminate: body.terminate === true, workerId: text(body.worker, 'worker'), timeoutMs: timeoutOf(body, 2000),
  })),
  post(/^\/api\/task\/rate-limit\/([^/]+)$/, async (c, body) => control(c, 'rate_limit', { task: c.params[0], rate: String(body.rate ?? '') }, body)),
  post(/^\/api\/task\/timeout\/([^/]+)$/, async (c, body) => control(c, 'time_limit', { task: c.params[0], softMs: body.softMs ?? null, hardMs: body.hardMs ?? null }, body)),
  post(/^\/api\/worker\/(shutdown|pool\/grow|pool\/shrink|pool\/autoscale|queue\/add-consumer|queue\/cancel-consumer)\/([^/]+)$/, async (c, body) => {
    const [command, args] = flowerWorkerActions[c.params[0]!]!(body);
    return control(c, command, args, body);
  }),
  post(/^\/api\/control\/([a-z_]+)$/, async (c, body) => {
    const command = c.params[0] as ControlCommandName;
    if (!controlCommandNames.includes(command)) throw new HttpError(404, `no control command ${command}; one of ${controlCommandNames.join(', ')}`);
    const args = body.args ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new HttpError(400, 'args must be a JSON object');
    return control(c, command, args as Record<string, unknown>, body);
  }),
  post(/^\/api\/queue\/([^/]+)\/purge$/, async (c, body) => purgeQueue(c.app, c.params[0]!, { scheduled: body.scheduled === true })),
  post(/^\/api\/queue\/([^/]+)\/dead\/(requeue|drop)$/, async (c, body) => {
    const filter = { id: text(body.id, 'id'), reason: text(body.reason, 'reason'), all: body.all === true };
    return c.params[1] === 'requeue' ? requeueDeadLetters(c.app, c.params[0]!, filter) : { dropped: await dropDeadLetters(c.app, c.params[0]!, filter) };
  }),
];
