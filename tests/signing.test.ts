/** shared/signing.ts without a server: what a signature covers, key ids, age, rotation, options. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError } from '../shared/errors.ts';
import { resolveSigning, sign, verify } from '../shared/signing.ts';

const secret = 'a secret of 32 bytes, not a real'; // 32 ASCII characters

test('a signature covers every field but sig and the documented unsigned ones, and checks key, age and rotation', () => {
  const signing = resolveSigning({ keys: { k1: secret }, current: 'k1', maxAgeMs: 1000 })!;
  const signed = sign({ v: 1, id: 'a', task: 't', args: [1.5, { b: 1, a: 2 }], queue: 'q' }, signing, 'message', 10_000);
  assert.deepEqual(verify(signed, signing, 'message', 10_500), { ok: true, signed: true });
  // Unsigned fields may change; any other field may not, nor may a new one appear.
  assert.equal(verify({ ...signed, deliveries: 3, parentResults: [1] }, signing, 'message', 10_500).ok, true);
  for (const tampered of [{ ...signed, args: [1.5, { b: 1, a: 3 }] }, { ...signed, queue: 'other' }, { ...signed, extra: 1 }, { ...signed, signedAt: 10_001 }]) {
    assert.equal((verify(tampered, signing, 'message', 10_500) as { reason?: string }).reason, 'bad-signature', JSON.stringify(tampered));
  }
  // A signature made for a message is no signature for a control command.
  assert.equal((verify(signed, signing, 'control', 10_500) as { reason?: string }).reason, 'bad-signature');
  assert.equal((verify(signed, signing, 'message', 11_001) as { reason?: string }).reason, 'signature-expired');
  assert.equal(verify(signed, signing, 'message', 11_001, 10_900).ok, true, 'the age counts from a later eta');
  assert.equal((verify({ ...signed, kid: 'k9' }, signing, 'message', 10_500) as { reason?: string }).reason, 'unknown-key');
  assert.equal((verify({ v: 1 }, signing, 'message', 10_500) as { reason?: string }).reason, 'unsigned');
  assert.deepEqual(verify({ v: 1 }, { ...signing, require: false }, 'message', 10_500), { ok: true, signed: false });
  const rotated = resolveSigning({ keys: { k2: `${secret}-2`, k1: secret }, current: 'k2' })!;
  assert.equal(verify(signed, rotated, 'message', 10_500).ok, true, 'the old key verifies while it is listed');
});

test('signing options are checked, and no error shows a secret', () => {
  const refused = (config: unknown, pattern: RegExp) => assert.throws(() => resolveSigning(config as never), (error: unknown) =>
    error instanceof InvalidOptionError && pattern.test(error.message) && !error.message.includes('short-secret'));
  refused({ keys: { k1: 'short-secret' }, current: 'k1' }, /at least 16 bytes/);
  refused({ keys: { k1: secret }, current: 'k2' }, /not among keys \(k1\)/);
  refused({ keys: { 'k 1': secret }, current: 'k 1' }, /key id/);
  refused({ keys: { k1: secret }, current: 'k1', maxAgeMs: -1 }, /maxAgeMs/);
});
