/**
 * CPU time of a whole process group, read from /proc, so that a worker's pool processes
 * (Celery prefork) and its threads (V8's GC, libuv) count with it. Every child the harness
 * spawns leads its own group. Per-thread schedstat gives nanoseconds; the utime/stime
 * fields of /proc/<pid>/stat count in 10 ms ticks, too coarse for a one-second window.
 */
import { readdirSync, readFileSync } from 'node:fs';

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process or thread ended between listing and reading
  }
};

/** Time on CPU of every thread of every live process in group `pgid`, in µs. */
export function groupCpuUs(pgid: number): number {
  let ns = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = read(`/proc/${pid}/stat`);
    if (stat === undefined) continue;
    // Fields after the parenthesised command name: state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      const schedstat = read(`/proc/${pid}/task/${task}/schedstat`);
      if (schedstat !== undefined) ns += Number(schedstat.split(' ')[0]);
    }
  }
  return ns / 1000;
}
