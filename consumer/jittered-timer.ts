/**
 * A repeating background round (the reaper's, the scheduler's): each round starts
 * `intervalMs × (1 ± jitter)` after the previous one ended, so rounds never overlap, and
 * K consumers started together drift apart instead of hitting Redis in step. The timer is
 * unref'd: it never keeps a stopping process alive. A failed round is reported and the
 * next one tries again. `stop()` resolves once a round in flight has ended, so its owner can
 * close the connection the round uses without the round failing on it.
 */
export type JitteredTimer = { stop(): Promise<void> };

export function startJitteredTimer(
  round: () => Promise<unknown>,
  options: { intervalMs: number; jitter: number; firstDelayMs?: number; onError: (error: Error) => void },
): JitteredTimer {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round()
        .then(() => {}, options.onError)
        .finally(() => {
          running = undefined;
          schedule(options.intervalMs * (1 - options.jitter + Math.random() * 2 * options.jitter));
        });
    }, delayMs);
    timer.unref();
  };
  schedule(options.firstDelayMs ?? options.intervalMs * (1 - options.jitter + Math.random() * 2 * options.jitter));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
