/**
 * The soak's two waits: a plain sleep (for a TTL to pass, which is the point of the wait)
 * and settle, which waits for a figure Redis changes in the background to stop changing.
 */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Reads `read` every 250 ms until it returns the same value for `stableForMs`, or until
 * `timeoutMs`; resolves with the last value and whether it settled.
 */
export async function settle<T>(read: () => Promise<T>, options: { stableForMs: number; timeoutMs: number }): Promise<{ value: T; settled: boolean }> {
  const deadline = Date.now() + options.timeoutMs;
  let value = await read();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(250);
    const next = await read();
    if (next !== value) [value, since] = [next, Date.now()];
    else if (Date.now() - since >= options.stableForMs) return { value, settled: true };
  }
  return { value, settled: false };
}
