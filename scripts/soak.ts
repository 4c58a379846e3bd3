/**
 * `npm run soak`: a million jobs through reliable mode, then proof that memory comes back.
 * 1. starts a throwaway redis-server (scripts/throwaway-redis.ts) unless REDIS_URL is set;
 * 2. runs the soak (scripts/soak-run.ts): the mix of results, ignored results, retries,
 *    revokes, failures and dead letters, with used_memory and DBSIZE every N/10 jobs done;
 * 3. after the result TTL, the same figures and every key left, named by keyCatalog.
 * Exits 1 if a job was lost, a key kind outlived the TTL, or a key has no name; the last
 * line is a JSON summary.
 *   npm run soak -- [--jobs N (1000000)] [--result-ttl-ms MS (20000)] [--workers K (2)]
 *     [--concurrency N (200)] [--batch N (1000)]
 */
import { parseArgs } from 'node:util';
import { startThrowawayRedis, type ThrowawayRedis } from './throwaway-redis.ts';
import { exitWith } from '../cli/exit.ts';
import { parseIntFlag } from '../cli/flags.ts';
import { runSoak } from './soak-run.ts';

try {
  const { values } = parseArgs({
    options: {
      jobs: { type: 'string' }, 'result-ttl-ms': { type: 'string' }, workers: { type: 'string' },
      concurrency: { type: 'string' }, batch: { type: 'string' },
    },
  });
  const options = {
    jobs: parseIntFlag(values.jobs, 'jobs', 1_000_000),
    resultTtlMs: Math.max(1, parseIntFlag(values['result-ttl-ms'], 'result-ttl-ms', 20_000)),
    workers: Math.max(1, parseIntFlag(values.workers, 'workers', 2)),
    concurrency: Math.max(1, parseIntFlag(values.concurrency, 'concurrency', 200)),
    batchSize: Math.max(1, parseIntFlag(values.batch, 'batch', 1000)),
  };
  // A signal ends the run through process.exit, so the exit handler stops the redis-server by pid.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  let server: ThrowawayRedis | undefined;
  const redisUrl = process.env.REDIS_URL ?? (server = await startThrowawayRedis()).url;
  if (server === undefined) console.log(`[soak] using REDIS_URL ${redisUrl}: its other keys count in DBSIZE and used_memory; only this run's queue's keys are named, and Redis 7's per-command latency histograms (~22 KB a command name) count in used_memory`);
  const report = await runSoak({ redisUrl, ownServer: server !== undefined, ...options }).finally(() => server?.stop());
  if (!report.ok) console.log(`soak FAILED:\n${report.problems.map((problem) => `  - ${problem}`).join('\n')}`);
  else console.log(`soak passed: ${report.jobs} jobs, nothing lost, ${report.jobsPerSecond} jobs/s; after expiry used_memory is the start's plus the keys left plus ${(report.afterExpiry.unexplainedBytes / 1024).toFixed(1)} KB`);
  console.log(`soak-json ${JSON.stringify(report)}`);
  process.exit(report.ok ? 0 : 1);
} catch (error) {
  exitWith(error);
}
