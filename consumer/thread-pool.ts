/**
 * The threads pool's members: one worker_thread each, running consumer/pool-child.ts.
 * A thread shares the worker's process (cheap to message, ~1 MB of heap to start) but has
 * its own event loop, so a CPU-bound handler cannot starve the worker's heartbeat, and
 * `terminate()` stops even a busy loop, which is what the hard time limit needs.
 */
import { Worker } from 'node:worker_threads';
import type { MemberMessage, PoolMember } from './pool-messages.ts';

/** `.ts` from the sources, `.js` from the build: the build does not rewrite URL strings. */
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const entry = new URL(`./pool-child${extension}`, import.meta.url).href;

/**
 * Node 20 runs a thread's entry before the `--import tsx` hooks it inherits apply there, so
 * a `.ts` entry fails with ERR_UNKNOWN_FILE_EXTENSION (under `node --import tsx` and
 * `npx tsx` alike). The thread therefore starts from a line of JavaScript that registers
 * tsx itself, then imports the entry. Without tsx installed (a build that runs plain
 * JavaScript) the line just imports the entry.
 */
function bootstrap(): string {
  let tsxApi: string | undefined;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    // No tsx to register: the entry must be loadable as it is.
  }
  const load = `import(${JSON.stringify(entry)})`;
  if (tsxApi === undefined) return load;
  return `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return ${load}; })`;
}

const code = bootstrap();

export function startThread(): PoolMember {
  const worker = new Worker(code, { eval: true });
  let uncaught: Error | undefined;
  // An error the thread did not catch ends it; 'exit' follows, and reports it.
  worker.on('error', (error) => (uncaught = error));
  return {
    label: `thread ${worker.threadId}`,
    send: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.on('message', (message: MemberMessage) => listener(message)),
    onExit: (listener) => worker.once('exit', (code) => listener(`exit code ${code}${uncaught ? `: ${uncaught.name}: ${uncaught.message}` : ''}`)),
    stop: async () => {
      await worker.terminate();
    },
  };
}
