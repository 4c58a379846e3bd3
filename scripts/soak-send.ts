/**
 * The soak's producer side: one batch of jobs, in bulk. Each kind goes out with one
 * sendMany (one LPUSH of many values); malformed messages with one raw LPUSH onto the
 * ready list; `revoked` ones with a countdown, then revoked at once, before they are due.
 */
import type { Redis } from 'ioredis';
import type { App } from 'hardq';
import { kindOfJob, taskNames, type Kind } from './soak-app.ts';
import type { SoakTally } from './soak-tally.ts';

/** Sends jobs [from, to) and resolves when Redis holds all of them (and the revokes). */
export async function sendBatch(app: App, redis: Redis, tally: SoakTally, from: number, to: number, revokeCountdownMs: number): Promise<void> {
  const argsByKind = new Map<Kind, [number][]>();
  for (let i = from; i < to; i++) {
    const kind = kindOfJob(i);
    const list = argsByKind.get(kind);
    if (list) list.push([i]);
    else argsByKind.set(kind, [[i]]);
  }
  const sends: Promise<unknown>[] = [];
  for (const [kind, argsList] of argsByKind) {
    // Counted before the send: a worker may finish one before the send's reply comes back.
    tally.sent[kind] += argsList.length;
    if (kind === 'malformed') {
      // Not JSON: what a broken foreign producer would push.
      sends.push(redis.lpush(app.keys.ready(app.config.defaultQueue), ...argsList.map(([i]) => `{not json ${i}`)));
    } else if (kind === 'revoked') {
      sends.push(app.sendMany(taskNames.revoked, argsList, { countdownMs: revokeCountdownMs }).then(async (results) => {
        const revoked = await Promise.all(results.map((result) => result.revoke()));
        tally.revokesRefused += revoked.filter((ok) => !ok).length;
      }));
    } else {
      sends.push(app.sendMany(taskNames[kind], argsList));
    }
  }
  await Promise.all(sends);
}
