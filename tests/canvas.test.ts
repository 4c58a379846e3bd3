/**
 * The canvas on one private Redis (the cases: tests/fixtures/canvas-cases.ts).
 */
import { before, after } from 'node:test';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { canvasCases } from './fixtures/canvas-cases.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

canvasCases(() => server.url, 'one Redis');
