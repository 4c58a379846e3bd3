/**
 * The workshop's app: the module both sides load (`hardq worker -A scripts/demo-app.ts`;
 * `npm run consumer` and `npm run producer` pass it for you). It leaves `redis` unset, so
 * `--redis`, then $REDIS_URL, decides.
 */
import { createApp } from 'hardq';

const app = createApp();

/** The smallest task there is. */
app.task('add', (a: number, b: number) => a + b);

/** Slow I/O: pretends to call a mail service, which allows 20 calls a second across all consumers. */
app.task('send_registration_email', async (address: string) => {
  await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 100));
  return { sentTo: address };
}, { rateLimit: '20/s' });

/** CPU work: burns a few ms hashing, as resizing a thumbnail would. */
app.task('resize_image', async (width: number, height: number) => {
  const { createHash } = await import('node:crypto');
  let digest = `${width}x${height}`;
  const until = performance.now() + 5;
  let rounds = 0;
  while (performance.now() < until) {
    digest = createHash('sha256').update(digest).digest('hex');
    rounds++;
  }
  return { width: Math.round(width / 2), height: Math.round(height / 2), rounds };
}, { softTimeLimitMs: 1000, timeLimitMs: 2000 });

/** A failure worth retrying, as a network blip would be. */
export class FlakyError extends Error {
  override name = 'FlakyError';
}

/**
 * Fails about one time in three. It retries on FlakyError with exponential backoff from
 * 200 ms (jittered), at most twice, so most runs end in SUCCESS after a RETRY or two, and
 * about one in 27 ends in FAILURE.
 */
app.task('flaky', (n: number) => {
  if (Math.random() < 1 / 3) throw new FlakyError(`flaky failed on ${n} (it does, one time in three)`);
  return n;
}, { autoretryFor: [FlakyError], maxRetries: 2, retryBackoff: 200 });

export default app;
