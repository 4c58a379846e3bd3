/**
 * Error classes across copies of hardq: a second copy of shared/errors.ts (the same file
 * loaded again under another URL, as two installed versions would be) throws errors that
 * the first copy's `instanceof` and `is()` recognise by their brand and `code`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as here from '../shared/errors.ts';

const other = (await import(`../shared/errors.ts?copy=${Date.now()}`)) as typeof here;

test('the second copy is a different set of classes', () => {
  assert.notEqual(other.TaskFailedError, here.TaskFailedError);
  assert.equal(Object.getPrototypeOf(new other.TaskFailedError('t', { name: 'E', message: 'm' })) === here.TaskFailedError.prototype, false);
});

test('instanceof and is() match an error from another copy by its code', () => {
  const failed = new other.TaskFailedError('t1', { name: 'KeyError', message: 'x' });
  assert.ok(failed instanceof here.TaskFailedError);
  assert.ok(failed instanceof here.HardqError);
  assert.ok(here.TaskFailedError.is(failed) && failed.remote.name === 'KeyError');
  assert.ok(here.HardqError.is(failed) && failed.code === 'TASK_FAILED');
  assert.equal(failed instanceof here.ResultTimeoutError, false);
  assert.equal(here.Retry.is(failed), false);
});

test('every class has a static code, and its instances carry it', () => {
  const classes = Object.values(here).filter((value) => typeof value === 'function' && value !== here.HardqError);
  assert.ok(classes.length >= 10);
  for (const Class of classes) {
    const code = (Class as { code?: unknown }).code;
    assert.equal(typeof code, 'string', `${(Class as { name: string }).name} has a static code`);
  }
  assert.equal(new here.Retry().code, here.Retry.code);
  assert.equal(new here.InvalidOptionError('x').code, 'INVALID_OPTION');
});

test('errors that only look alike are not hardq errors', () => {
  const lookalike = Object.assign(new Error('no'), { code: 'TASK_FAILED' });
  assert.equal(lookalike instanceof here.TaskFailedError, false);
  assert.equal(here.HardqError.is(lookalike), false);
  assert.equal(here.HardqError.is(null), false);
  assert.equal(here.HardqError.is('TASK_FAILED'), false);
});

test('a subclass without its own static code checks the prototype chain only', () => {
  class QuotaFailed extends here.TaskFailedError {}
  const plain = new here.TaskFailedError('t2', { name: 'E', message: 'm' });
  assert.equal(plain instanceof QuotaFailed, false);
  assert.ok(new QuotaFailed('t3', { name: 'E', message: 'm' }) instanceof here.TaskFailedError);
});
