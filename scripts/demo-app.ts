/**
 * The workshop's app: the module both the producer and the consumer load (`--app`).
 * It leaves `redis` unset, so the CLIs' `--redis` (through REDIS_URL) decides.
 */
import { createApp } from 'hardq';

const app = createApp();

/** The smallest task there is. */
app.task('add', (a: number, b: number) => a + b);

/** Slow I/O: pretends to call a mail service. */
app.task('send_registration_email', async (address: string) => {
  await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 100));
  return { sentTo: address };
});

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
});

/** Fails about one time in three, to show what a failure looks like from get(). */
app.task('flaky', (n: number) => {
  if (Math.random() < 1 / 3) throw new Error(`flaky failed on ${n} (it does, one time in three)`);
  return n;
});

export default app;
