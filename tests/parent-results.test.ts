/**
 * The parent-results cases (tests/fixtures/parent-results-cases.ts) against one real redis-server.
 */
import { before, after } from 'node:test';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { parentResultsCases } from './fixtures/parent-results-cases.ts';
import { canvasCases } from './fixtures/canvas-cases.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

parentResultsCases(() => server.url, 'one Redis');
// Every canvas case again with signing required: each step that receives parent results is checked, and none is refused.
canvasCases(() => server.url, 'signed', { signing: { keys: { k1: 'a signing secret of 32 bytes....' }, current: 'k1' } });
