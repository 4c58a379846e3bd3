/**
 * The soak (scripts/soak-run.ts), small enough for the suite: 5,000 jobs of the whole mix
 * through reliable mode with a 2 s result TTL. Nothing may be lost, and once the TTL has
 * passed the memory must be back: only bounded key kinds left, nothing else grown.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { runSoak, unexplainedBytesBound } from '../scripts/soak-run.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(() => server.stop());

/** Key kinds bounded by design, whatever the number of jobs (docs/PROTOCOL.md, lifetimes). */
const allowedToRemain = [
  'dead', // trimmed to the newest 10,000 entries
  'revokedRecent', // expires 10 s after the newest revoke, longer than this run's 2 s TTL
  'consumers', // one member per consumer id, removed on shutdown or by the reaper
  'queues', // the known-queues set: one member per queue name
  'counters', 'runtimes', // one field per task and state (run times: 14 per task), whatever the number of jobs
  'countersMinute', // one hash per minute, expires 3 days after its last write
  'events', 'workerEvents', // streams capped near 10,000 entries
];

test('5,000 jobs: none lost, every key left a bounded kind, used_memory back to the start plus those keys', async () => {
  const lines: string[] = [];
  const report = await runSoak({ redisUrl: server.url, jobs: 5000, resultTtlMs: 2000, ownServer: true, log: (line) => lines.push(line) });
  const context = `\n${lines.join('\n')}`;
  assert.deepEqual(report.problems, [], context);
  assert.equal(report.checkpoints.length, 10, context);
  assert.equal(report.checkpoints.at(-1)!.done, 5000, context);
  const ended = Object.values(report.outcomes).reduce((sum, counts) => sum + (counts.SUCCESS ?? 0) + (counts.FAILURE ?? 0) + (counts.REVOKED ?? 0) + (counts.DEAD ?? 0), 0);
  assert.equal(ended + report.revokedWithoutEvent, 5000, `every job has one ending${context}`);
  assert.equal(report.deadLetters, 150, context);

  const { kinds, unknownCount, bytes, unexplainedBytes, usedMemory } = report.afterExpiry;
  assert.equal(unknownCount, 0, context);
  for (const kind of Object.keys(kinds)) assert.ok(allowedToRemain.includes(kind), `${kind} keys outlived the TTL${context}`);
  // The bound and why it is enough: scripts/soak-run.ts, unexplainedBytesBound (64 KiB).
  assert.ok(unexplainedBytes <= unexplainedBytesBound,
    `used_memory ${usedMemory} is ${usedMemory - report.start.usedMemory} B above the start, ${bytes} B of it keys left: more than ${unexplainedBytesBound} B unexplained${context}`);
  // The keys left are the dead-letter list (150 entries of ~450 B) and a revoke set or two.
  assert.ok(bytes < 256 * 1024, `keys left hold ${bytes} B${context}`);
});
