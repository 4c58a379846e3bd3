/**
 * The core tests, unchanged, on a real local 3-master cluster (issue 12): round trip,
 * retries and countdown, revoke, rate limit, dead letters, reliable kill -9, a restart of
 * every node, and the Python producer. HARDQ_TEST_CLUSTER=1 makes each file's startRedis() share one cluster
 * (tests/helpers/redis-server.ts), and the cross-slot hook fails this file if any step
 * they take, in this process or in a spawned worker, touched more than one hash slot.
 */
process.env.HARDQ_TEST_CLUSTER = '1';

// Imported after the variable is set: each file reads it when it starts its server.
await import('../round-trip.test.ts');
await import('../retry.test.ts');
await import('../revoke.test.ts');
await import('../rate-limit.test.ts');
await import('../dead-letter.test.ts');
await import('../reliable-kill.test.ts');
await import('../reliable-restart.test.ts');
// The Python producer (redis.cluster.RedisCluster, polling for its result) and the protocol checks.
await import('../protocol.test.ts');
