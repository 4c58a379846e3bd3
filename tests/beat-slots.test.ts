/**
 * beat/slots.ts and beat/schedule.ts without Redis: `every` slots aligned to offset + k·every,
 * cron slots in a time zone across both DST changes, and which slots planSlots sends for
 * each catchUp and startingDeadlineMs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError } from '../shared/errors.ts';
import { defineSchedule, describeTiming, parseEvery } from '../beat/schedule.ts';
import { latestSlotAtOrBefore, markerTtlMs, nextSlotAfter, planSlots, slotsBetween } from '../beat/slots.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const every = (ms: number | string, options = {}) => defineSchedule('s', { task: 't' }, { every: ms }, options);
const cron = (pattern: string, tz?: string) => defineSchedule('c', { task: 't' }, { cron: pattern, tz });

test('every: slots sit at offset + k·every since the epoch, the same for every beat', () => {
  const s = defineSchedule('s', { task: 't' }, { every: '30s', offsetMs: 5000 });
  assert.equal(iso(nextSlotAfter(s, at('2025-01-01T00:00:06Z'))), '2025-01-01T00:00:35.000Z');
  assert.equal(iso(nextSlotAfter(s, at('2025-01-01T00:00:35Z'))), '2025-01-01T00:01:05.000Z', 'strictly after');
  assert.equal(iso(latestSlotAtOrBefore(s, at('2025-01-01T00:00:35Z'))), '2025-01-01T00:00:35.000Z', 'at counts');
  assert.deepEqual(slotsBetween(every(1000), 1500, 4000, 10), [2000, 3000, 4000]);
  assert.deepEqual(slotsBetween(every(1000), 1500, 9000, 2), [2000, 3000], 'at most max');
  assert.equal(describeTiming(s), 'every 30s +5000ms');
});

test('every and cron are checked where the schedule is defined', () => {
  assert.equal(parseEvery('5m'), 300_000);
  assert.equal(parseEvery('250ms'), 250);
  for (const bad of ['5 minutes', '0s', 50, 1.5, '']) assert.throws(() => parseEvery(bad), InvalidOptionError, String(bad));
  assert.throws(() => cron('61 * * * *'), /cron "61 \* \* \* \*" is not valid/);
  assert.throws(() => cron('* * * * *', 'Mars/Olympus'), /IANA time zone/);
  assert.throws(() => defineSchedule('has space', { task: 't' }, { every: '1s' }), /schedule name/);
  assert.throws(() => defineSchedule('a', { task: 't', args: [undefined] }, { every: '1s' }), /args\[0\]/);
  assert.throws(() => defineSchedule('a', { task: 't' }, { every: '1s' }, { catchUp: 'some' as 'all' }), /catchUp/);
});

test('cron in Europe/Berlin across spring forward (2025-03-30, 02:00 -> 03:00)', () => {
  // A fixed-time job whose time does not exist that night runs at the first valid time after the gap.
  const daily = cron('30 2 * * *', 'Europe/Berlin');
  assert.deepEqual(slotsBetween(daily, at('2025-03-28T12:00Z'), at('2025-04-01T00:00Z'), 10).map(iso), [
    '2025-03-29T01:30:00.000Z', // 02:30 CET
    '2025-03-30T01:00:00.000Z', // 03:00 CEST: 02:30 did not exist
    '2025-03-31T00:30:00.000Z', // 02:30 CEST
  ]);
  // An interval job skips the hour that does not exist: 01:30 CET is followed by 03:00 CEST.
  const halfHourly = cron('*/30 * * * *', 'Europe/Berlin');
  assert.deepEqual(slotsBetween(halfHourly, at('2025-03-30T00:15Z'), at('2025-03-30T01:45Z'), 10).map(iso), [
    '2025-03-30T00:30:00.000Z', '2025-03-30T01:00:00.000Z', '2025-03-30T01:30:00.000Z',
  ]);
});

test('cron in Europe/Berlin across fall back (2025-10-26, 03:00 -> 02:00)', () => {
  // 02:30 happens twice; a fixed-time job runs once, at the first.
  const daily = cron('30 2 * * *', 'Europe/Berlin');
  assert.deepEqual(slotsBetween(daily, at('2025-10-25T12:00Z'), at('2025-10-27T12:00Z'), 10).map(iso), [
    '2025-10-26T00:30:00.000Z', // 02:30 CEST
    '2025-10-27T01:30:00.000Z', // 02:30 CET
  ]);
  // An interval job runs on both passes through 02:00-03:00: every 30 minutes of real time.
  const halfHourly = cron('*/30 * * * *', 'Europe/Berlin');
  const slots = slotsBetween(halfHourly, at('2025-10-25T23:45Z'), at('2025-10-26T02:15Z'), 10);
  assert.equal(slots.length, 5);
  assert.ok(slots.every((slot, i) => i === 0 || slot - slots[i - 1]! === 1_800_000), slots.map(iso).join(' '));
  assert.equal(iso(latestSlotAtOrBefore(halfHourly, at('2025-10-26T01:10Z'))), '2025-10-26T01:00:00.000Z');
});

test('cron in America/New_York is read in New York time, not UTC', () => {
  const nine = cron('0 9 * * *', 'America/New_York');
  assert.equal(iso(nextSlotAfter(nine, at('2025-03-08T12:00Z'))), '2025-03-08T14:00:00.000Z'); // EST, UTC-5
  assert.equal(iso(nextSlotAfter(nine, at('2025-03-09T12:00Z'))), '2025-03-09T13:00:00.000Z'); // EDT, UTC-4
  assert.equal(describeTiming(nine), 'cron 0 9 * * * (America/New_York)');
});

// A 1 s schedule created at 0, no beat until 10_000 (when the leader took over), now 12_500.
const plan = (options: object, handledThroughMs = 0) =>
  planSlots(every(1000, options), { handledThroughMs, nowMs: 12_500, leaderSinceMs: 10_000, max: 100 });

test("catchUp 'all' sends every missed slot, oldest first; 'latest' the newest missed one; 'none' none", () => {
  assert.deepEqual(plan({ catchUp: 'all' }).send, [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000, 11_000, 12_000]);
  assert.deepEqual(plan({ catchUp: 'latest' }).send, [9000, 10_000, 11_000, 12_000]);
  assert.deepEqual(plan({}).send, [9000, 10_000, 11_000, 12_000], "'latest' is the default");
  assert.deepEqual(plan({ catchUp: 'none' }), { send: [10_000, 11_000, 12_000], handledThroughMs: 12_000, skipped: 1 });
  assert.deepEqual(plan({ catchUp: 'latest' }, 9000).send, [10_000, 11_000, 12_000], 'nothing missed after what was handled');
  assert.deepEqual(plan({ catchUp: 'all' }, 12_000), { send: [], handledThroughMs: undefined, skipped: 0 }, 'nothing due');
});

test('startingDeadlineMs: a slot older than it is skipped, whatever catchUp says', () => {
  assert.deepEqual(plan({ catchUp: 'all', startingDeadlineMs: 3000 }).send, [10_000, 11_000, 12_000]);
  const latest = plan({ catchUp: 'latest', startingDeadlineMs: 3000 });
  assert.deepEqual(latest.send, [10_000, 11_000, 12_000], 'the newest missed slot (9000) is 3.5 s old');
  assert.equal(latest.skipped, 1);
  assert.equal(latest.handledThroughMs, 12_000);
});

test('a beat never tries a slot older than its marker lives', () => {
  const s = every(1000, { catchUp: 'all' });
  assert.equal(markerTtlMs(s, 0), 3_600_000, 'at least 1 h');
  assert.equal(markerTtlMs(every('1h'), 0), 36_000_000, '10 periods');
  const longDown = planSlots(s, { handledThroughMs: 0, nowMs: 7_200_000, leaderSinceMs: 7_200_000, max: 1 });
  assert.ok(longDown.send[0]! > 7_200_000 - 3_600_000, `first slot tried: ${longDown.send[0]}`);
});
