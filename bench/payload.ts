/**
 * The benchmark's payload: a ~100-byte JSON object, the same for every system
 * (../shared/anchors.md §0). `ts` is the epoch-ms time the producer took right before
 * the enqueue call; W3 measures latency against it, on the same host clock.
 */

export type Payload = { i: number; ts: number; user: string; op: string; pad: string };

/** Epoch ms with sub-ms precision, comparable across processes on one host. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** Builds payload `i`, padded so its compact JSON is 100 bytes. */
export function makePayload(i: number, ts: number = nowMs()): Payload {
  const payload = { i, ts, user: `user-${String(i % 1_000_000).padStart(6, '0')}`, op: 'thumbnail.resize', pad: '' };
  const length = JSON.stringify(payload).length;
  payload.pad = 'x'.repeat(Math.max(0, 100 - length));
  return payload;
}
