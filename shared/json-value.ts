/**
 * What may travel in a message: JSON values, checked before they leave the producer.
 * JSON.stringify silently drops `undefined` and functions and turns NaN into null; a
 * task queue that did the same would run handlers on data nobody sent. So we refuse,
 * naming the path (`args[1].when`). A Date is the one exception: it travels as its ISO
 * string, and the types below say so.
 */
import { SerializationError } from './errors.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What a handler receives for a value the producer sent: a Date arrives as its ISO string. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

/**
 * What the producer accepts where the handler declares `T`: a Date wherever the handler
 * takes a string (it arrives as the ISO string). A handler that declares a Date parameter
 * gets `never` here, so the call does not compile: the Date would not survive the trip.
 */
export type Sendable<T> = T extends Date
  ? never
  : T extends string
    ? T | Date
    : T extends (infer U)[]
      ? Sendable<U>[]
      : T extends object
        ? { [K in keyof T]: Sendable<T[K]> }
        : T;

/**
 * True when JSON carries `value` faithfully, checked without building a path or a Set: the
 * worker checks every result and the producer every argument list, and the slow walk's path
 * strings were about 5 % of a worker's CPU in a 100k drain. Anything doubtful (including
 * nesting deeper than 100, which is where a cycle shows) says false, and the slow walk
 * below finds the culprit and names it.
 */
function plainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth > 100) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !plainJson(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value instanceof Date && !Number.isNaN(value.getTime());
  for (const key in value) if (!plainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

/** Throws SerializationError unless JSON carries `value` faithfully (Dates become ISO strings). */
export function assertJson(value: unknown, path: string): void {
  if (!plainJson(value, 0)) findUnfaithful(value, path, new Set());
}

/** The slow walk: throws naming the first path JSON would not carry faithfully. */
function findUnfaithful(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new SerializationError(path, `is ${value}, which JSON turns into null`);
      return;
    case 'undefined':
      throw new SerializationError(path, 'is undefined, which JSON drops');
    case 'function':
      throw new SerializationError(path, 'is a function, which JSON drops');
    case 'symbol':
      throw new SerializationError(path, 'is a symbol, which JSON drops');
    case 'bigint':
      throw new SerializationError(path, 'is a BigInt, which JSON cannot encode (send it as a string)');
  }
  if (value === null) return;
  const object = value as object;
  if (object instanceof Date) {
    if (Number.isNaN(object.getTime())) throw new SerializationError(path, 'is an invalid Date');
    return;
  }
  if (seen.has(object)) throw new SerializationError(path, 'is a cycle back to one of its parents');
  seen.add(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      // A hole in a sparse array reads as undefined, which JSON turns into null.
      if (!(i in object)) throw new SerializationError(`${path}[${i}]`, 'is a hole in a sparse array');
      findUnfaithful(object[i], `${path}[${i}]`, seen);
    }
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const name = (object.constructor as { name?: string } | undefined)?.name ?? 'unknown';
      throw new SerializationError(path, `is an instance of ${name}, which JSON flattens into a plain object`);
    }
    for (const key of Object.keys(object)) {
      findUnfaithful((object as Record<string, unknown>)[key], /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, seen);
    }
  }
  seen.delete(object);
}
