/**
 * `hardq control <command> [args]`: remote control of running workers (admin/control.ts), one
 * worker with -d or every online worker. Each worker answers through a reply that cannot
 * outlive the wait (reply.lua), so a slow or dead worker leaves no key behind.
 */
import { controlCommandNames, controlRevoke, controlWorkers, type App, type ControlArgs, type ControlCommandName, type ControlResult } from 'hardq';
import { UsageError } from './exit.ts';
import { parseFlags, parseIntFlag } from './flags.ts';
import { appFlags, withApp } from './one-shot.ts';
import { didYouMean } from './suggest.ts';
import { table } from './table.ts';

export const usage = `usage: hardq control <command> [args] [options]
  ping                          every worker answers pong
  shutdown                      a graceful stop, as SIGTERM
  pool_grow [N] | pool_shrink [N]   handlers in flight (and threads or processes) by N (default 1)
  rate_limit TASK RATE          10/s, 100/m, 1000/h; 0 lifts the limit; none goes back to the task's own.
                                Global: stored in Redis, for every worker and restart
  time_limit TASK SOFT HARD     this worker's limits in ms; none keeps the task's own (in memory)
  revoke ID [--terminate]       revoke; --terminate also stops it where it runs (-Q its queue)
  enable_events | disable_events   stored; events themselves are not built yet
  autoscale MAX MIN             grow and shrink between MIN and MAX handlers with the backlog (turns it on)
  add_consumer Q                start consuming queue Q (lowest priority)
  cancel_consumer Q             stop fetching from Q; what the worker holds from Q finishes and is acked,
                                then it unregisters from Q
options:
  -A, --app <module>        app module (for its prefix and default queue)
  --redis <url>             redis:// or rediss:// URL; wins over the app's own setting
  -d, --destination <id>    one worker only (default: every online worker in the registry)
  -Q, --queue <name>        revoke: the task's queue (default: the app's default queue)
  --terminate               revoke: stop the task if it is running
  --timeout-ms <n>          how long to wait for replies (default 1000)
  --json                    the replies as JSON
  -h, --help                this text
exit codes: 0 every worker addressed answered ok; 1 an error reply, a missing reply, or no worker`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('hardq control', {
    args: argv,
    allowPositionals: true,
    options: {
      ...appFlags,
      destination: { type: 'string', short: 'd' },
      queue: { type: 'string', short: 'Q' },
      terminate: { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [name, ...rest] = positionals;
  if (name === undefined || !(controlCommandNames as readonly string[]).includes(name)) {
    throw new UsageError(`control what? one of ${controlCommandNames.join(', ')}${name === undefined ? '' : didYouMean(name, [...controlCommandNames])} (see hardq control --help)`);
  }
  const command = name as ControlCommandName;
  const args = parseArgs(command, rest, values.terminate);
  const options = { workerId: values.destination, timeoutMs: parseIntFlag(values['timeout-ms'], 'timeout-ms', 1000, 1) };
  return withApp(values, async (app: App) => {
    let result: ControlResult;
    let revoked: boolean | undefined;
    if (command === 'revoke') {
      const { id, terminate } = args as ControlArgs['revoke'];
      const outcome = await controlRevoke(app, id, { ...options, terminate, queue: values.queue });
      revoked = outcome.revoked;
      result = outcome.terminate ?? { replies: {}, missing: [] };
    } else {
      result = await controlWorkers(app, command, args as ControlArgs[typeof command], options);
    }
    if (values.json) console.log(JSON.stringify(revoked === undefined ? result : { revoked, ...result }, null, 2));
    else console.log(render(result, revoked));
    const replies = Object.values(result.replies);
    if (revoked !== undefined && !(args as ControlArgs['revoke']).terminate) return 0;
    return replies.length > 0 && result.missing.length === 0 && replies.every((reply) => reply.ok) ? 0 : 1;
  });
}

/** The command's words as its args, checked for count here; their shape is checked by the library. */
function parseArgs(command: ControlCommandName, words: string[], terminate: boolean): ControlArgs[ControlCommandName] {
  const want = (count: number, what: string) => {
    if (words.length !== count) throw new UsageError(`${command} takes ${what} (see hardq control --help)`);
  };
  const limit = (word: string, label: string): number | null => {
    if (word === 'none') return null;
    const ms = Number(word);
    if (!(Number.isFinite(ms) && ms > 0)) throw new UsageError(`time_limit: ${label} must be ms > 0 or none, got ${word}`);
    return ms;
  };
  switch (command) {
    case 'pool_grow':
    case 'pool_shrink':
      if (words.length > 1) throw new UsageError(`${command} takes at most one number`);
      return { n: words[0] === undefined ? 1 : parseIntFlag(words[0], 'N', 1, 1) };
    case 'autoscale':
      want(2, 'MAX MIN');
      return { max: parseIntFlag(words[0], 'MAX', 1, 1), min: parseIntFlag(words[1], 'MIN', 1, 1) };
    case 'add_consumer':
    case 'cancel_consumer':
      want(1, 'a queue name');
      return { queue: words[0]! };
    case 'rate_limit':
      want(2, 'TASK RATE');
      return { task: words[0]!, rate: words[1]! };
    case 'time_limit':
      want(3, 'TASK SOFT HARD (ms, or none)');
      return { task: words[0]!, softMs: limit(words[1]!, 'SOFT'), hardMs: limit(words[2]!, 'HARD') };
    case 'revoke':
      want(1, 'a task id');
      return { id: words[0]!, terminate };
    default:
      want(0, 'no arguments');
      return {};
  }
}

function render(result: ControlResult, revoked: boolean | undefined): string {
  const lines: string[] = [];
  if (revoked !== undefined) lines.push(revoked ? 'revoked' : 'not revoked: it had already finished');
  const rows = Object.values(result.replies).map((reply) => [
    reply.worker, reply.ok ? 'ok' : 'error',
    reply.ok ? Object.entries(reply.data).map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`).join(', ') : reply.error,
  ]);
  for (const worker of result.missing) rows.push([worker, 'no reply', 'nothing within the timeout (busy, stopping, or gone)']);
  if (rows.length === 0) lines.push(revoked === undefined ? 'no workers' : '');
  else lines.push(table(['worker', 'status', 'reply'], rows));
  return lines.filter(Boolean).join('\n');
}
