/**
 * Remote control, as library functions the CLI and the monitor share (issue 11, item 2).
 * 1. The caller SETs keys.controlReplyWait(request) with PX = its timeout: "I am waiting".
 * 2. In the same MULTI it LPUSHes the command onto keys.controlCommands(worker) of each worker
 *    addressed (one, or every online worker in the registry) and refreshes that list's TTL.
 * 3. Each worker's mailbox pops it within about 250 ms and answers through reply.lua, which
 *    RPUSHes to keys.controlReply(request) only while the marker exists, with its TTL.
 * 4. The caller LPOPs until it has one reply per worker or the timeout passes, then DELs both
 *    keys. A late reply finds no marker and writes nothing: no reply key can leak
 *    (Celery's can: celery#6089).
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../shared/app-config.ts';
import { InvalidOptionError } from '../shared/errors.ts';
import {
  checkControlArgs, controlCommandNames, decodeControlReply, type ControlArgs, type ControlCommand, type ControlCommandName, type ControlReply,
} from '../shared/control-command.ts';
import { sign } from '../shared/signing.ts';
import { revoke } from '../producer/revoke.ts';
import { listWorkers } from './inspect.ts';

export type { ControlArgs, ControlCommandName, ControlReply };
export { controlCommandNames };

export type ControlOptions = {
  /** One worker by id; without it, every worker whose registry record is online. */
  workerId?: string;
  /** How long to wait for the replies, in ms; commands not yet taken expire with it. @default 1000 */
  timeoutMs?: number;
};

export type ControlResult = {
  /** Each replying worker's answer, by worker id. */
  replies: Record<string, ControlReply>;
  /** Workers addressed that did not answer within the timeout. */
  missing: string[];
};

/** How long an unread command list lives after its last push, in ms: a worker gone for good leaves nothing behind. */
export const commandListTtlMs = 60_000;
const pollMs = 25;

/** Sends a command to one worker or to all, and collects their replies (Celery: `control.broadcast(..., reply=True)`). */
export async function controlWorkers<N extends ControlCommandName>(
  app: AppContext, command: N, args: ControlArgs[N], options: ControlOptions = {},
): Promise<ControlResult> {
  if (!controlCommandNames.includes(command)) throw new InvalidOptionError(`unknown control command ${JSON.stringify(command)}; one of ${controlCommandNames.join(', ')}`);
  const bad = checkControlArgs(command, args as Record<string, unknown>);
  if (bad !== undefined) throw new InvalidOptionError(bad);
  const timeoutMs = options.timeoutMs ?? 1000;
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 1)) throw new InvalidOptionError('timeoutMs must be >= 1 ms');
  const workers = await listWorkers(app, { workerId: options.workerId });
  if (options.workerId !== undefined && workers.length === 0) throw new InvalidOptionError(`no worker ${options.workerId} in the registry (see hardq inspect stats)`);
  const targets = workers.filter((worker) => worker.online || options.workerId !== undefined).map((worker) => worker.id);
  if (targets.length === 0) return { replies: {}, missing: [] };

  const redis = await app.connection();
  const { keys } = app;
  const id = randomUUID();
  const [seconds, micros] = await redis.time();
  const unsigned: ControlCommand<N> = { v: 1, id, command, args, deadline: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) + timeoutMs };
  // Workers with `require` refuse an unsigned command (consumer/control/mailbox.ts).
  const message = app.config.signing === undefined ? unsigned : sign(unsigned, app.config.signing, 'control');
  const wait = keys.controlReplyWait(id);
  const replyKey = keys.controlReply(id);
  const multi = redis.multi().set(wait, '1', 'PX', timeoutMs);
  for (const target of targets) multi.lpush(keys.controlCommands(target), JSON.stringify(message)).pexpire(keys.controlCommands(target), commandListTtlMs);
  const written = await multi.exec();
  for (const [error] of written ?? []) if (error) throw error;

  const replies: Record<string, ControlReply> = {};
  const until = Date.now() + timeoutMs;
  try {
    while (Object.keys(replies).length < targets.length && Date.now() < until) {
      const raws = await redis.lpop(replyKey, 100);
      for (const raw of raws ?? []) {
        const reply = decodeControlReply(raw);
        replies[reply.worker] = reply;
      }
      if (raws === null) await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, until - Date.now()))));
    }
  } finally {
    // Both go now; a worker replying after this finds no marker and writes nothing.
    await redis.del(wait, replyKey);
  }
  return { replies, missing: targets.filter((target) => !(target in replies)) };
}

/**
 * Revokes a task as app.revoke does (REVOKED, and skipped wherever it has not started); with
 * `terminate`, also tells every worker (or `workerId`) to stop it if it is running there.
 */
export async function controlRevoke(
  app: AppContext, id: string, options: ControlOptions & { queue?: string; terminate?: boolean } = {},
): Promise<{ revoked: boolean; terminate?: ControlResult }> {
  const revoked = await revoke(app, id, options.queue ?? app.config.defaultQueue);
  if (options.terminate !== true) return { revoked };
  return { revoked, terminate: await controlWorkers(app, 'revoke', { id, terminate: true }, options) };
}
