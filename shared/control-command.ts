/**
 * Remote control's wire format: the command a caller (admin/control.ts) LPUSHes onto a
 * worker's keys.controlCommands list, and the reply a worker writes through reply.lua into
 * keys.controlReply. Both sides check shapes here, so a bad command gets an error reply and
 * never reaches a handler. Reply keys are not carried: the worker builds them from the
 * request id with shared/keys.ts, so a command cannot steer a write to any other key.
 */
import { parseRateLimit } from './options.ts';

export type ControlArgs = {
  ping: Record<string, never>;
  shutdown: Record<string, never>;
  /** Handlers (and threads or child processes) to add or remove; at least 1. */
  pool_grow: { n: number };
  pool_shrink: { n: number };
  /** Autoscale between min and max handlers (turns it on when it was off); 1 <= min <= max <= 10000. */
  autoscale: { max: number; min: number };
  add_consumer: { queue: string };
  cancel_consumer: { queue: string };
  /** A rate such as '10/s', '0' for no limit, or 'none' to go back to the task's own option. */
  rate_limit: { task: string; rate: string };
  /** ms; null clears that limit's override (the task's own option applies again). */
  time_limit: { task: string; softMs: number | null; hardMs: number | null };
  revoke: { id: string; terminate: boolean };
  enable_events: Record<string, never>;
  disable_events: Record<string, never>;
};
export type ControlCommandName = keyof ControlArgs;
export const controlCommandNames = [
  'ping', 'shutdown', 'pool_grow', 'pool_shrink', 'autoscale', 'add_consumer', 'cancel_consumer', 'rate_limit', 'time_limit', 'revoke', 'enable_events', 'disable_events',
] as const satisfies readonly ControlCommandName[];

/** What goes on the wire. `deadline` is epoch ms on Redis's clock: a command found later is dropped unanswered. */
export type ControlCommand<N extends ControlCommandName = ControlCommandName> = { v: 1; id: string; command: N; args: ControlArgs[N]; deadline: number };

export type ControlReply = { worker: string; ok: true; data: Record<string, unknown> } | { worker: string; ok: false; error: string };

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 500;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= 10_000;
const isLimit = (value: unknown): value is number | null => value === null || (typeof value === 'number' && Number.isFinite(value) && value > 0);

/** Why these args do not fit the command, or undefined when they do. */
export function checkControlArgs(command: ControlCommandName, args: Record<string, unknown>): string | undefined {
  const extra = (allowed: string[]) => Object.keys(args).find((key) => !allowed.includes(key));
  const unknown = {
    ping: extra([]), shutdown: extra([]), enable_events: extra([]), disable_events: extra([]),
    pool_grow: extra(['n']), pool_shrink: extra(['n']), autoscale: extra(['max', 'min']), add_consumer: extra(['queue']), cancel_consumer: extra(['queue']),
    rate_limit: extra(['task', 'rate']), time_limit: extra(['task', 'softMs', 'hardMs']), revoke: extra(['id', 'terminate']),
  }[command];
  if (unknown !== undefined) return `${command} takes no argument "${unknown}"`;
  switch (command) {
    case 'pool_grow':
    case 'pool_shrink':
      return isCount(args.n) ? undefined : `${command} needs n, a whole number from 1 to 10000`;
    case 'autoscale':
      return isCount(args.max) && isCount(args.min) && (args.min as number) <= (args.max as number)
        ? undefined : 'autoscale needs max and min, whole numbers with 1 <= min <= max <= 10000';
    case 'add_consumer':
    case 'cancel_consumer':
      return isText(args.queue) && !/[{}]/.test(args.queue) ? undefined : `${command} needs queue, a queue name`;
    case 'rate_limit':
      if (!isText(args.task)) return 'rate_limit needs task, a task name';
      if (args.rate === 'none' || args.rate === '0') return undefined;
      try {
        parseRateLimit(String(args.rate));
        return undefined;
      } catch (error) {
        return `${(error as Error).message}, or '0' (no limit) or 'none' (the task's own)`;
      }
    case 'time_limit':
      if (!isText(args.task)) return 'time_limit needs task, a task name';
      return isLimit(args.softMs) && isLimit(args.hardMs) ? undefined : 'time_limit needs softMs and hardMs, each ms > 0 or null (no override)';
    case 'revoke':
      return isText(args.id) && typeof args.terminate === 'boolean' ? undefined : 'revoke needs id, a task id, and terminate, true or false';
    default:
      return undefined;
  }
}

/** A command read from the list: its shape checked; `id` is set whenever it could be read, so an error reply can go back. */
export function decodeControlCommand(raw: string): { ok: true; command: ControlCommand } | { ok: false; id?: string; deadline?: number; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'the command is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: 'the command is not a JSON object' };
  const { v, id, command, args, deadline } = parsed as Record<string, unknown>;
  if (!isText(id) || /[{}]/.test(id)) return { ok: false, error: 'the command has no readable id' };
  if (typeof deadline !== 'number' || !Number.isFinite(deadline)) return { ok: false, id, error: 'the command has no deadline (epoch ms)' };
  const fail = (error: string) => ({ ok: false as const, id, deadline, error });
  if (v !== 1) return fail(`unknown command version ${JSON.stringify(v)}`);
  if (!controlCommandNames.includes(command as ControlCommandName)) return fail(`unknown command ${JSON.stringify(command)}; one of ${controlCommandNames.join(', ')}`);
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return fail('args must be a JSON object');
  const bad = checkControlArgs(command as ControlCommandName, args as Record<string, unknown>);
  if (bad !== undefined) return fail(bad);
  return { ok: true, command: { v: 1, id, command: command as ControlCommandName, args: args as ControlArgs[ControlCommandName], deadline } };
}

/** A reply read back by the caller; a malformed one (a foreign writer) becomes an error reply. */
export function decodeControlReply(raw: string): ControlReply {
  try {
    const parsed = JSON.parse(raw) as Partial<ControlReply> & { data?: unknown; error?: unknown };
    if (typeof parsed.worker === 'string' && parsed.ok === true && typeof parsed.data === 'object' && parsed.data !== null) return parsed as ControlReply;
    if (typeof parsed.worker === 'string' && parsed.ok === false && typeof parsed.error === 'string') return parsed as ControlReply;
  } catch {
    // Not JSON: reported below like any other malformed reply.
  }
  return { worker: 'unknown', ok: false, error: `a malformed reply: ${raw.slice(0, 200)}` };
}
