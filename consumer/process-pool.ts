/**
 * The process pool's members: one child process each (Celery's prefork), forked on
 * consumer/pool-child.ts and spoken to over IPC with `serialization: 'advanced'` (structured
 * clone, as threads get). A child costs a whole Node process (~40 MB, hundreds of ms to
 * start under tsx), and buys what a thread cannot: SIGKILL stops anything, native code
 * included, and a crash or leak in a handler takes down only its child.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemberMessage, PoolMember } from './pool-messages.ts';

/** `.ts` from the sources, `.js` from the build: the build does not rewrite URL strings. */
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const entry = fileURLToPath(new URL(`./pool-child${extension}`, import.meta.url));

/**
 * The child inherits the worker's flags (`--import tsx`, or the loader flags `npx tsx`
 * adds), which is how it reads TypeScript; flags that bind a port or belong to the test
 * runner would clash or misfire in a second process, so they stay behind.
 */
function childExecArgv(): string[] {
  return process.execArgv.filter((flag) => !/^--(inspect|debug|test)/.test(flag));
}

export function startChild(): PoolMember {
  const child = fork(entry, [], { serialization: 'advanced', execArgv: childExecArgv() });
  const label = `child process ${child.pid ?? '(not started)'}`;
  let exited: ((how: string) => void) | undefined;
  let gone = false;
  const report = (how: string) => {
    if (gone) return;
    gone = true;
    exited?.(how);
  };
  child.once('exit', (code, signal) => report(signal === null ? `exit code ${code}` : `signal ${signal}`));
  child.on('error', (error) => {
    // A fork that never started has no 'exit' to come; any other error (a send to a child
    // that just died) is followed by 'exit', which reports it.
    if (child.pid === undefined) report(`could not start: ${error.message}`);
  });
  return {
    label,
    send: (message) => void child.send(message),
    onMessage: (listener) => child.on('message', (message) => listener(message as MemberMessage)),
    onExit: (listener) => (exited = listener),
    stop: () => new Promise<void>((resolve) => {
      if (gone || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    }),
  };
}
