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
// String.prototype.isWellFormed (Node 20+) does the same check without a regular expression.
const wellFormed: (text: string) => boolean = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
  ? (text) => (text as unknown as { isWellFormed(): boolean }).isWellFormed()
  : (text) => !loneSurrogate.test(text);

/**
 * The canonical text of `value`. Members whose value is undefined are left out, as
 * JSON.stringify leaves them out, so an object canonicalizes as its wire form parses.
 * `omit` names top-level members to leave out (the unsigned ones). Throws
 * SerializationError (naming the path) for what JCS rejects: NaN, Infinity, lone
 * surrogates, and anything JSON cannot carry.
 */
export function canonicalJson(value: unknown, omit?: readonly string[]): string {
  try {
    return write(value, omit);
  } catch {
    // Rare: walk again, keeping the path this time, to name where it went wrong.
    return write(value, omit, '$');
  }
}

/** With `path` (the slow walk) a refusal is a SerializationError naming it; without, a plain Error. */
function refuse(path: string | undefined, what: string): never {
  throw path === undefined ? new Error(what) : new SerializationError(path, what);
}

function write(value: unknown, omit: readonly string[] | undefined, path?: string): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) refuse(path, `${value} has no JSON form`);
    return JSON.stringify(value); // -0 becomes "0", as JCS asks
  }
  if (typeof value === 'string') {
    if (!wellFormed(value)) refuse(path, 'a string with a lone surrogate has no canonical form (RFC 8785 §3.2.2.2)');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + write(value[i], undefined, path && `${path}[${i}]`);
    return `${text}]`;
  }
  if (typeof value === 'object') {
    // The default sort compares strings by UTF-16 code units, which is JCS's order.
    const names = Object.keys(value).sort();
    let text = '{';
    for (const name of names) {
      const member = (value as Record<string, unknown>)[name];
      if (member === undefined || omit?.includes(name)) continue;
      text += (text.length === 1 ? '' : ',') + write(name, undefined, path) + ':' + write(member, undefined, path && `${path}.${name}`);
    }
    return `${text}}`;
  }
  return refuse(path, `a ${typeof value} has no JSON form`);
}
