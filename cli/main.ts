#!/usr/bin/env node
/**
 * The `hardq` command: `hardq <command> [flags]`. Each command is one file in cli/ that
 * exports `usage` and `run(argv)`; adding one is that file and one line in `commands`.
 * Commands load on demand, so `hardq call` never pays for the worker's imports.
 */
import { exitWith, UsageError } from './exit.ts';
import { didYouMean } from './suggest.ts';
import { version } from './version.ts';

type Command = { usage: string; run(argv: string[]): Promise<number> };

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  worker: { summary: 'run a worker for the app\'s tasks (-A ./tasks.js)', load: () => import('./worker.ts') },
  call: { summary: 'send a task by name; --wait prints its result', load: () => import('./call.ts') },
  result: { summary: 'print a task\'s state and result by id', load: () => import('./result.ts') },
  beat: { summary: 'send the app\'s periodic tasks (-A ./tasks.js); beat add|rm|list', load: () => import('./beat.ts') },
  inspect: { summary: 'what the workers run, hold, know and count (active, stats, ...)', load: () => import('./inspect.ts') },
  queues: { summary: 'per queue: ready, scheduled, processing, dead, oldest waiting', load: () => import('./queues.ts') },
  purge: { summary: 'delete what waits on a queue (-Q q; asks unless --force)', load: () => import('./purge.ts') },
  dead: { summary: 'dead letters: list, show, requeue, drop', load: () => import('./dead.ts') },
  acl: { summary: 'print (or --apply) a least-privilege Redis ACL user for a role', load: () => import('./acl.ts') },
  events: { summary: 'follow task and worker events as they come (workers run with -E)', load: () => import('./events.ts') },
  control: { summary: 'steer running workers: ping, shutdown, pool_grow, rate_limit, revoke, ...', load: () => import('./control.ts') },
  monitor: { summary: 'the dashboard: live pages, a JSON API and /metrics (--port 5555)', load: () => import('./monitor.ts') },
};

const usage = `usage: hardq <command> [options]

commands:
${Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(10)}${summary}`).join('\n')}

  hardq <command> --help   the options of one command
  hardq --version          the version
exit codes: 0 success, 1 a failure at run time, 2 bad usage or an unreachable Redis`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V') {
    console.log(version());
    return 0;
  }
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    console.log(usage);
    return first === undefined ? 2 : 0;
  }
  const command = commands[first];
  if (command === undefined) {
    const what = first.startsWith('-') ? 'flag' : 'command';
    throw new UsageError(`unknown ${what} ${first}${didYouMean(first, Object.keys(commands))} (see hardq --help)`);
  }
  return (await command.load()).run(rest);
}

main(process.argv.slice(2)).then((code) => process.exit(code), exitWith);
