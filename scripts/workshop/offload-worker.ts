/**
 * The worker of `npm run workshop:offload`: `hardq worker -A scripts/workshop/offload-app.ts`
 * in a process of its own, as terminal 1 would run it, its lines shown prefixed. Stopped
 * with SIGTERM by pid (a graceful stop: it finishes the emails in flight).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type OffloadWorker = { pid: number; stop(): Promise<void> };

const main = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
export const offloadApp = fileURLToPath(new URL('./offload-app.ts', import.meta.url));

function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
}

/** Starts the worker and resolves once its banner says `ready`. */
export async function startOffloadWorker(redisUrl: string, concurrency: number, options: {
  /** Where its lines go. @default console.log, each prefixed with `  [worker] ` */
  log?: (line: string) => void;
  /** How long to wait for its banner, in ms. @default 60000 */
  timeoutMs?: number;
} = {}): Promise<OffloadWorker> {
  const { log = (line: string) => console.log(`  [worker] ${line}`), timeoutMs = 60_000 } = options;
  // Plain node with tsx as a loader (never the tsx wrapper), so the SIGTERM below reaches the worker.
  const child: ChildProcess = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main, 'worker', '-A', offloadApp,
    '--redis', redisUrl, '--concurrency', String(concurrency), '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const onLine = (line: string) => {
      log(line);
      if (line.startsWith('ready')) resolve();
    };
    eachLine(child.stdout!, onLine);
    eachLine(child.stderr!, onLine);
    child.once('error', reject);
    void exited.then(() => reject(new Error(`the worker exited (code ${child.exitCode}) before it was ready; its lines are above`)));
  });
  let guard: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    guard = setTimeout(() => reject(new Error(`the worker was not ready within ${timeoutMs} ms`)), timeoutMs);
  });
  // Whatever happens to this process, the worker does not outlive it.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  try {
    await Promise.race([ready, late]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(guard);
  }
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(force);
      process.off('exit', onExit);
    },
  };
}
