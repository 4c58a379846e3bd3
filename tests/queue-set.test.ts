/**
 * The worker's queue list (consumer/queue-set.ts): added queues go last, a queue is there
 * once, bad names and the last queue's removal are refused, and every change gives a new
 * array, so a fetch that took the list before a change keeps a consistent one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QueueSet, queuesNow } from '../consumer/queue-set.ts';

test('add goes last and only once; remove keeps the order; the list before a change stays as it was', () => {
  const queues = new QueueSet(['a', 'b']);
  const before = queues.list;
  assert.equal(queues.add('c'), true);
  assert.equal(queues.add('a'), false);
  assert.deepEqual(queues.list, ['a', 'b', 'c']);
  assert.equal(queues.remove('a'), true);
  assert.equal(queues.remove('a'), false);
  assert.deepEqual(queues.list, ['b', 'c']);
  assert.deepEqual(before, ['a', 'b'], 'a snapshot taken before the changes');
  assert.deepEqual(queuesNow(queues), ['b', 'c']);
  assert.deepEqual(queuesNow(['x']), ['x']);
});

test('bad names, an empty list and removing the last queue are refused', () => {
  assert.throws(() => new QueueSet([]), /at least one queue/);
  assert.throws(() => new QueueSet(['a{b}']), /without braces or spaces/);
  const queues = new QueueSet(['only']);
  assert.throws(() => queues.add('has space'), /without braces or spaces/);
  assert.throws(() => queues.remove('only'), /only queue/);
  assert.deepEqual(queues.list, ['only']);
});
