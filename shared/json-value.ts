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

/** Throws SerializationError unless JSON carries `value` faithfully (Dates become ISO strings). */
export function assertJson(value: unknown, path: string, seen: Set<object> = new Set()): void {
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
      assertJson(object[i], `${path}[${i}]`, seen);
    }
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const name = (object.constructor as { name?: string } | undefined)?.name ?? 'unknown';
      throw new SerializationError(path, `is an instance of ${name}, which JSON flattens into a plain object`);
    }
    for (const key of Object.keys(object)) {
      assertJson((object as Record<string, unknown>)[key], /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, seen);
    }
  }
  seen.delete(object);
}
