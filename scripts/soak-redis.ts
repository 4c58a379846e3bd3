/**
 * What the soak reads from Redis: used_memory (INFO memory) and DBSIZE at each checkpoint,
 * and, once results have expired, every key left, each named by the keyCatalog pattern
 * (shared/keys.ts) it matches. A key no pattern names is listed as unknown.
 */
import type { Redis } from 'ioredis';
import { keyCatalog, type Keys } from 'hardq';

export type Figures = { usedMemory: number; keys: number };

export async function figures(redis: Redis): Promise<Figures> {
  const [info, keys] = await Promise.all([redis.info('memory'), redis.dbsize()]);
  const usedMemory = Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
  return { usedMemory, keys };
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

/** Key → its kind in keyCatalog, for keys of `queue` (and the queue-less ones); undefined when none fits. */
export function keyClassifier(keys: Keys, queue: string): (key: string) => string | undefined {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns = Object.entries(keyCatalog(keys)).map(([kind, pattern]) => {
    // Placeholders: the queue is this run's; an id, a consumer id or a task name is anything.
    const source = escape(pattern).replaceAll('<queue>', escape(queue)).replace(/<[a-z-]+>/g, '.+');
    return [kind, new RegExp(`^${source}$`)] as const;
  });
  return (key) => patterns.find(([, pattern]) => pattern.test(key))?.[0];
}

export type KeyKinds = {
  /** Kind → how many keys of it remain. */
  kinds: Record<string, number>;
  /** Keys no keyCatalog pattern names (at most 20 listed). */
  unknown: string[];
  unknownCount: number;
  /** MEMORY USAGE (every element counted, SAMPLES 0) summed over the keys that remain, the first 1,000. */
  bytes: number;
};

/** SCANs the keys matching `match` (a SCAN glob) and names each. */
export async function classifyKeys(redis: Redis, classify: (key: string) => string | undefined, match = '*'): Promise<KeyKinds> {
  const result: KeyKinds = { kinds: {}, unknown: [], unknownCount: 0, bytes: 0 };
  let measured = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      const kind = classify(key);
      if (kind === undefined) {
        result.unknownCount++;
        if (result.unknown.length < 20) result.unknown.push(key);
      } else {
        result.kinds[kind] = (result.kinds[kind] ?? 0) + 1;
      }
      // After expiry only a few keys should be left; past 1,000 the verdict is already clear.
      if (measured++ < 1000) result.bytes += (await redis.memory('USAGE', key, 'SAMPLES', 0)) ?? 0;
    }
  } while (cursor !== '0');
  return result;
}
