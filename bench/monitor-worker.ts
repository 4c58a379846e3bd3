/**
 * What the monitor's benches share: a `hardq worker -E` child on one queue of a throwaway
 * redis-server, running bench/monitor-app.ts's noop task, stopped by its pid.
 */
import { spawn } from 'node:child_process';

export function startBenchWorker(redisUrl: string, queue: string): { pid: number; stop(): Promise<void> } {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'cli/main.ts', 'worker', '-A', 'bench/monitor-app.ts', '--redis', redisUrl, '-Q', queue, '-c', '50', '-E'], {
    cwd: new URL('..', import.meta.url).pathname, stdio: 'ignore',
  });
  return {
    pid: child.pid!,
    stop: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
