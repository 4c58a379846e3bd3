/**
 * The producer half of W1 and W3, shared by the Node adapters: each adapter supplies its
 * enqueue calls, this file times them. Timing starts after the connection is up, as in
 * the anchors; building payloads is inside the timed loop for every system alike.
 */
import { makePayload, nowMs, type Payload } from '../payload.ts';
import { cpuUs, emit, sleep, type ChildSpec } from './child-io.ts';

export type EnqueueApi = {
  connect(): Promise<void>;
  /** One bulk call with these payloads (addBulk, saveAll, sendMany, a pipeline). */
  bulk(payloads: Payload[]): Promise<unknown>;
  /** One awaited single enqueue. */
  single(payload: Payload): Promise<unknown>;
  close(): Promise<void>;
};

/** Runs the spec's role, reports `connected` then `done` { sent, elapsedMs, cpuUs }, and exits. */
export async function runProducer(spec: ChildSpec, api: EnqueueApi): Promise<never> {
  await api.connect();
  emit('connected');
  const cpuBefore = cpuUs();
  const startedAt = nowMs();
  let sent = 0;
  if (spec.role === 'bulk') {
    const chunk = spec.chunk ?? 1000;
    for (let first = 0; first < spec.n; first += chunk) {
      const payloads: Payload[] = [];
      for (let i = first; i < Math.min(first + chunk, spec.n); i++) payloads.push(makePayload(i));
      await api.bulk(payloads);
      sent += payloads.length;
    }
  } else if (spec.role === 'single') {
    for (; sent < spec.n; sent++) await api.single(makePayload(sent));
  } else if (spec.role === 'paced') {
    // Each send has a due time on a fixed grid, so a late wake-up is caught up, not carried.
    const intervalMs = 1000 / (spec.ratePerS ?? 200);
    const endAt = startedAt + (spec.durationMs ?? 10_000);
    for (let k = 0; ; k++) {
      const dueAt = startedAt + k * intervalMs;
      if (dueAt >= endAt) break;
      const waitMs = dueAt - nowMs();
      if (waitMs > 0) await sleep(waitMs);
      await api.single(makePayload(k, nowMs()));
      sent++;
    }
  } else {
    throw new Error(`a producer cannot play "${spec.role}"`);
  }
  emit('done', { sent, elapsedMs: nowMs() - startedAt, cpuUs: cpuUs() - cpuBefore });
  await api.close();
  process.exit(0);
}
