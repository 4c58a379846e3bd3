/**
 * Lesson 1's Django variant (scripts/workshop/offload-django.ts and django/offload_site.py):
 * `npm run workshop:offload -- --django` measures the same gap with Django's views, the
 * offloaded one sending through the shipped Python producer to the TypeScript worker.
 * Skipped, with the reason, where Debian's python3-django is missing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pythonWithDjango } from '../scripts/workshop/offload-django.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { runOffload, tableRow } from './helpers/offload-run.ts';

const python = pythonWithDjango();
const skip = python === undefined ? 'no python3 with Django and redis here: apt-get install -y python3-django python3-redis' : false;
let redis: RedisServer;
before(async () => {
  if (!skip) redis = await startRedis();
});
after(async () => redis?.stop());

test('the Django variant shows the gap and the TypeScript worker sends every email it enqueued', { skip }, async () => {
  const { code, output } = await runOffload(['--django', '--requests', '40'], redis.url);
  assert.equal(code, 0, output);
  assert.match(output, /the web app, Django \(scripts\/workshop\/django\/offload_site\.py\)/);
  const [blockingP50, offloadedP50] = tableRow(output, 'p50');
  assert.ok(blockingP50 >= 5 * offloadedP50, `blocking p50 ${blockingP50} ms is at least 5x offloaded p50 ${offloadedP50} ms`);
  assert.match(output, /^emails sent\s+40 \(inline.*\s40 of 40 \(by the worker\)$/m);
});
