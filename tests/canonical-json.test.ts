/**
 * shared/canonical-json.ts against RFC 8785's own examples (§3.2.2 and §3.2.3, and the
 * number samples of its Appendix B).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../shared/canonical-json.ts';
import { SerializationError } from '../shared/errors.ts';

test('RFC 8785 §3.2.2: the sample object canonicalizes as the RFC prints it', () => {
  const input = JSON.parse(String.raw`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`);
  assert.equal(canonicalJson(input),
    String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`);
});

test('RFC 8785 §3.2.3: members are sorted by UTF-16 code units, not by code points', () => {
  const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
  const order = [...canonicalJson(input).matchAll(/"([^"]*)":"([^"]*)"/g)].map((match) => match[2]);
  assert.deepEqual(order, ['Carriage Return', 'One', 'Control', 'Latin Small Letter O With Diaeresis', 'Euro Sign', 'Emoji: Grinning Face', 'Hebrew Letter Dalet With Dagesh']);
});

test('numbers are written as ECMAScript writes them (RFC 8785 Appendix B samples)', () => {
  const samples: [number, string][] = [
    [0, '0'], [-0, '0'], [1.0, '1'], [1e16, '10000000000000000'], [1e21, '1e+21'], [1e-5, '0.00001'], [1e-7, '1e-7'],
    [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'], [9007199254740992, '9007199254740992'],
    [295147905179352830000, '295147905179352830000'], [0.000001, '0.000001'], [-1.5e-7, '-1.5e-7'], [0.1 + 0.2, '0.30000000000000004'],
  ];
  for (const [value, text] of samples) assert.equal(canonicalJson(value), text, String(value));
});

test('what JCS cannot carry is refused with the path', () => {
  assert.throws(() => canonicalJson({ a: [1, NaN] }), (error: unknown) => error instanceof SerializationError && error.path === '$.a[1]');
  assert.throws(() => canonicalJson({ a: 'x\ud800' }), SerializationError);
  assert.equal(canonicalJson({ a: undefined, b: 'ok \ud83d\ude00' }), '{"b":"ok 😀"}');
});
