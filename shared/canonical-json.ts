/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the one text a JSON value has, so that a
 * producer in any language and a worker compute the same signature over it. JavaScript
 * already has two of its three rules: JSON.stringify writes numbers as ECMAScript's
 * Number::toString and escapes strings as JCS asks (RFC 8785 §3.2.2.2 and §3.2.2.3 say so).
 * The third, object members sorted by the UTF-16 code units of their names, is done here.
 * docs/PROTOCOL.md ("Signed messages") spells the rules out for other languages.
 */
import { SerializationError } from './errors.ts';

// With the u flag a well-formed pair is one code point, so this matches lone surrogates only.
const loneSurrogate = /\p{Cs}/u;

/**
 * The canonical text of `value`. Members whose value is undefined are left out, as
 * JSON.stringify leaves them out, so an object canonicalizes as its wire form parses.
 * Throws SerializationError (naming the path) for what JCS rejects: NaN, Infinity, lone
 * surrogates, and anything JSON cannot carry.
 */
export function canonicalJson(value: unknown, path = '$'): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SerializationError(path, `${value} has no JSON form`);
    return JSON.stringify(value); // -0 becomes "0", as JCS asks
  }
  if (typeof value === 'string') {
    if (loneSurrogate.test(value)) throw new SerializationError(path, 'a string with a lone surrogate has no canonical form (RFC 8785 §3.2.2.2)');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item, i) => canonicalJson(item, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object') {
    // The default sort compares strings by UTF-16 code units, which is JCS's order.
    const names = Object.keys(value).sort();
    const members: string[] = [];
    for (const name of names) {
      const member = (value as Record<string, unknown>)[name];
      if (member === undefined) continue;
      members.push(`${canonicalJson(name, path)}:${canonicalJson(member, `${path}.${name}`)}`);
    }
    return `{${members.join(',')}}`;
  }
  throw new SerializationError(path, `a ${typeof value} has no JSON form`);
}
