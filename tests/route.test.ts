import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeTask } from '../producer/route.ts';

test('routing precedence: call queue, then routes, then the task queue, then the default', () => {
  const routes = { 'email.send': 'mail', 'email.*': 'mail-bulk', 'img.?': { queue: 'images' } };
  const base = { routes, defaultQueue: 'default' };
  assert.equal(routeTask('email.send', { ...base, callQueue: 'urgent', taskQueue: 'own' }), 'urgent');
  assert.equal(routeTask('email.send', { ...base, taskQueue: 'own' }), 'mail', 'an exact route beats a glob');
  assert.equal(routeTask('email.digest', { ...base, taskQueue: 'own' }), 'mail-bulk');
  assert.equal(routeTask('img.x', base), 'images');
  assert.equal(routeTask('img.xy', { ...base, taskQueue: 'own' }), 'own', '? matches one character');
  assert.equal(routeTask('other', base), 'default');
  assert.equal(routeTask('emailXsend', base), 'default', 'a dot in a route is literal');
});

test('a function route may decline, falling through to the task queue', () => {
  const routes = (name: string) => (name.startsWith('report') ? 'reports' : undefined);
  assert.equal(routeTask('report.daily', { routes, defaultQueue: 'd' }), 'reports');
  assert.equal(routeTask('other', { routes, taskQueue: 't', defaultQueue: 'd' }), 't');
});
