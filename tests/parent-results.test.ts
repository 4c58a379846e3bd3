/**
 * The parent-results cases (tests/fixtures/parent-results-cases.ts) against one real redis-server.
 */
import { before, after } from 'node:test';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { parentResultsCases } from './fixtures/parent-results-cases.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

parentResultsCases(() => server.url, 'one Redis');
