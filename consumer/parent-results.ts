/**
 * The check of a signed canvas step's unsigned fields (issue 14, item 3): `parentResults`
 * and `failure` are written after signing (by a Lua step, or spliced as text), so a worker
 * that holds keys reads the result keys of the parents the signature names (`parents`,
 * shared/parent-refs.ts) and refuses what differs, as dead-letter reason
 * `bad-parent-results`. Values are compared as RFC 8785 canonical JSON, not as bytes: the
 * splice keeps a result's text, but a Python producer's JSON may spell a number otherwise.
 */
import { canonicalJson } from '../shared/canonical-json.ts';
import { flattenRefs, flattenRuns, sha256Hex, type HeaderDigest } from '../shared/parent-refs.ts';
import { decodeResult, type ResultRecord } from '../shared/result-record.ts';
import type { TaskMessage } from '../shared/message.ts';

/** Reads the raw result records of `ids` on `queue`, in order (one MGET: a queue's keys share one slot). */
export type ReadResults = (queue: string, ids: string[]) => Promise<(string | null)[]>;

/** Reads a chord's hash field `parents` (the header list a signed body names by digest). */
export type ReadChordParents = (queue: string, chordId: string) => Promise<string | null>;

export type ParentVerdict = { ok: true } | { ok: false; error: string };

/** Ids per MGET: a chord of 10,000 reads in 10 round trips, none holding Redis for long. */
const readChunk = 1000;

async function readRecords(parents: { id: string; queue: string }[], read: ReadResults): Promise<(ResultRecord | null)[]> {
  const records: (ResultRecord | null)[] = new Array(parents.length).fill(null);
  const byQueue = new Map<string, number[]>();
  parents.forEach(({ queue }, index) => {
    const indexes = byQueue.get(queue);
    if (indexes === undefined) byQueue.set(queue, [index]);
    else indexes.push(index);
  });
  const reads: Promise<void>[] = [];
  for (const [queue, indexes] of byQueue) {
    for (let from = 0; from < indexes.length; from += readChunk) {
      const chunk = indexes.slice(from, from + readChunk);
      reads.push(read(queue, chunk.map((index) => parents[index]!.id)).then((raws) => {
        raws.forEach((raw, i) => (records[chunk[i]!] = decodeResult(raw)));
      }));
    }
  }
  await Promise.all(reads);
  return records;
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether `described` (a failure description: { id, task, error }) agrees with the record of
 * the parent `parentId`. A parent that failed itself stored the same error; one that only
 * passed an earlier step's failure on stored an error naming that step (canvas-step.ts,
 * inheritedError); one that did not run (expired) stored REVOKED.
 */
function failureAgrees(described: unknown, parentId: string, record: ResultRecord | null): boolean {
  if (!isObject(described) || typeof described.id !== 'string' || !isObject(described.error)) return false;
  const { name, message } = described.error;
  if (record?.state === 'REVOKED') return described.id === parentId && name === 'TaskRevoked';
  if (record?.state !== 'FAILURE') return false;
  if (described.id === parentId) return record.error.name === name && record.error.message === message;
  return record.error.message.includes(`(${described.id}) failed: ${String(name)}: ${String(message)}`);
}

/** What one parent handed on (a result, or a failure description under allowFailures or to linkError) against its record. */
function valueAgrees(value: unknown, parentId: string, record: ResultRecord | null): boolean {
  if (record?.state === 'SUCCESS') return same(value, record.value);
  return failureAgrees(value, parentId, record);
}

/**
 * A chord body's header list, from its chord's hash, if it is the one the signature's digest
 * names (the text is hashed as stored: the producer wrote it in canonical form).
 */
async function headerList(message: TaskMessage, digest: HeaderDigest, readChordParents: ReadChordParents | undefined): Promise<{ id: string; queue: string }[] | string> {
  if (readChordParents === undefined || message.bodyOf === undefined || message.queue === undefined) return 'it names its header by digest, but not its chord';
  const text = await readChordParents(message.queue, message.bodyOf);
  if (text === null) return `its chord ${message.bodyOf} holds no parent list (expired?)`;
  const list = sha256Hex(text) === digest.sha256 ? flattenRuns(JSON.parse(text)) : undefined;
  if (list === undefined || list.length !== digest.count) return `the parent list in chord ${message.bodyOf} is not the one its signature names`;
  return list;
}

/** The verdict on a verified signed message's parentResults and failure; ok when it carries neither. */
export async function checkParentResults(message: TaskMessage, read: ReadResults, readChordParents?: ReadChordParents): Promise<ParentVerdict> {
  const { parentResults, failure } = message;
  if (parentResults === undefined && failure === undefined) return { ok: true };
  const digest = message.parents?.header === true && 'sha256' in message.parents ? message.parents : undefined;
  const parents = digest !== undefined ? await headerList(message, digest, readChordParents) : flattenRefs(message.parents);
  if (typeof parents === 'string') return { ok: false, error: parents };
  if (parents === undefined || parents.length === 0) return { ok: false, error: 'it carries parent results or a failure, but its signature names no parents' };
  const records = await readRecords(parents, read);
  const missing = parents.findIndex((_, i) => records[i] === null);
  if (failure !== undefined) {
    // A chord fails on its first failed part, before the others finish: one failed parent is enough.
    if (!parents.some(({ id }, i) => failureAgrees(failure, id, records[i]!))) {
      return { ok: false, error: `its failure (naming ${JSON.stringify(failure.id)}) matches no parent's stored result` };
    }
    if (parentResults === undefined) return { ok: true };
  }
  if (missing >= 0) return { ok: false, error: `parent ${parents[missing]!.id} on ${parents[missing]!.queue} has no stored result to check against (expired, or ignoreResult)` };
  // A chain step or callback gets [value]; a chord body gets [[value per header task]].
  const values = message.parents!.header === true ? parentResults![0] : parentResults;
  if (!Array.isArray(parentResults) || parentResults.length !== 1 || !Array.isArray(values) || values.length !== parents.length) {
    return { ok: false, error: `parentResults does not have the shape of ${parents.length} parent result(s)` };
  }
  const wrong = parents.findIndex(({ id }, i) => !valueAgrees(values[i], id, records[i]!));
  if (wrong >= 0) return { ok: false, error: `parentResults differs from the stored result of ${parents[wrong]!.id} on ${parents[wrong]!.queue}` };
  return { ok: true };
}
