/**
 * The worker half of the protocol, shared by the Node adapters: counts completions and
 * latency samples and reports them.
 * - drain: `first` at the first completion, `done` at the n-th, once `settle` says the
 *   n-th result is written (an event can fire one round trip before the write);
 * - latency: on the harness's `report <count>` line, `samples` with every latency in ms
 *   (after up to 5 s for stragglers, reporting what arrived).
 */
import { nowMs } from '../payload.ts';
import { emit, onCommand, type ChildSpec } from './child-io.ts';

export type WorkerReport = {
  ready(): void;
  /** A job finished; `id` when the system gives one (for `settle`). */
  completed(id?: string): void;
  /** Called at handler entry with the payload's `ts`. */
  started(payloadTs: number): void;
};

export function workerReport(spec: ChildSpec, settle?: (lastId: string | undefined) => Promise<void>): WorkerReport {
  // Start-up phases: the process's own start, and now, once the adapter's imports are loaded.
  const processStartAt = performance.timeOrigin;
  const loadedAt = nowMs();
  let count = 0;
  const samples: number[] = [];
  let expected: number | undefined;
  let reported = false;
  const report = () => {
    if (reported || expected === undefined || samples.length < expected) return;
    reported = true;
    emit('samples', { samples });
  };
  onCommand((line) => {
    const [command, argument] = line.trim().split(/\s+/);
    if (command !== 'report') return;
    expected = Number(argument);
    report();
    setTimeout(() => {
      expected = samples.length;
      report();
    }, 5000).unref();
  });
  return {
    ready: () => emit('ready', { processStartAt, loadedAt }),
    completed(id) {
      count++;
      if (count === 1) emit('first');
      if (spec.role === 'drain' && count === spec.n) {
        (settle ?? (async () => {}))(id).then(
          () => emit('done', { count }),
          (error: Error) => emit('error', { message: `settling the last result: ${error.message}` }),
        );
      }
    },
    started(payloadTs) {
      samples.push(nowMs() - payloadTs);
      report();
    },
  };
}
