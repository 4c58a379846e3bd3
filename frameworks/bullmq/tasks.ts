/**
 * The workshop's four tasks written the BullMQ way: one processor per queue that switches
 * on the job's name, and the per-task policies (retries, rate limit) as job options and
 * worker options instead of task options. Shared by worker.ts and producer.ts.
 */
import { createHash } from 'node:crypto';
import type { ConnectionOptions, JobsOptions, Job } from 'bullmq';

const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
export const connection: ConnectionOptions = { host: url.hostname, port: Number(url.port || 6379) };

/** BullMQ rate-limits a whole queue, so the rate-limited task gets a queue of its own. */
export const queueOf = (task: string) => (task === 'send_registration_email' ? 'email' : 'workshop');

/** Per-task job options: BullMQ keeps retry policy on the job, set by the producer. */
export const jobOptions: Record<string, JobsOptions> = {
  flaky: { attempts: 3, backoff: { type: 'exponential', delay: 200 } },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const handlers: Record<string, (job: Job) => Promise<unknown>> = {
  async add(job) {
    const [a, b] = job.data as [number, number];
    return a + b;
  },
  async send_registration_email(job) {
    await sleep(150 + Math.random() * 100);
    return { sentTo: (job.data as [string])[0] };
  },
  async resize_image(job) {
    const [width, height] = job.data as [number, number];
    // BullMQ has no time limit of its own: race the work against a timer. The work itself
    // goes on running after the timer wins, as it would in any single-threaded processor.
    const work = (async () => {
      let digest = `${width}x${height}`;
      const until = performance.now() + 5;
      let rounds = 0;
      while (performance.now() < until) {
        digest = createHash('sha256').update(digest).digest('hex');
        rounds++;
      }
      return { width: Math.round(width / 2), height: Math.round(height / 2), rounds };
    })();
    const limit = sleep(2000).then(() => Promise.reject(new Error('resize_image took over 2 s')));
    return Promise.race([work, limit]);
  },
  async flaky(job) {
    const [n] = job.data as [number];
    if (Math.random() < 1 / 3) throw new Error(`flaky failed on ${n} (it does, one time in three)`);
    return n;
  },
};
