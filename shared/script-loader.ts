/**
 * Loading the Lua scripts in shared/lua/: each script's KEYS count, the fragments a script
 * that grows by concern is joined from (shared/lua/<name>/, one file per concern, each
 * defining local functions, placed above the main file's body after its `#!lua` line, which
 * must stay first), and their registration once per connection with ioredis defineCommand
 * (EVALSHA, with a fallback to EVAL after a SCRIPT FLUSH or a Redis restart).
 */
import { readFileSync } from 'node:fs';
import type { Redis, ChainableCommander } from 'ioredis';

/** Each script with its fixed number of KEYS; `null` means the caller passes the count. */
export const scriptKeyCounts = {
  beat: 2,
  'claim-batch': 4,
  'complete-batch': null,
  'promote-due': 3,
  'rate-limit': 1,
  'revoke-task': 6,
  quarantine: 3,
  'requeue-dead-consumer': null,
  'requeue-held': 4,
  'requeue-dead': null,
  unregister: 6,
  'add-schedule': 3,
  'record-slot': 1,
  'enqueue-slot': 2,
  'renew-lease': 1,
  'release-lease': 1,
  reply: 2,
  'relay-deliver': null,
} as const;
export type ScriptName = keyof typeof scriptKeyCounts;

/** The canvas's Lua, shared by the two scripts that run follow-ups (shared/lua/canvas/), in join order. */
const canvasFragments = ['canvas/chord', 'canvas/chord-parts', 'canvas/follow-ups'];

/**
 * The fragments of a joined script, in the order they are placed: shared/lua/<name>/<fragment>.lua,
 * or shared/lua/<fragment>.lua for a fragment named with its folder (canvas/… and claimed/…, each used by two scripts).
 */
export const scriptFragments: Partial<Record<ScriptName, string[]>> = {
  'complete-batch': ['check-types', 'acknowledge', 'final-state', 'revoked', 'counters', 'events', ...canvasFragments],
  'relay-deliver': canvasFragments,
  'requeue-dead-consumer': ['claimed/newest-first', 'deliveries', 'poison-pill'],
  unregister: ['claimed/newest-first'],
};

const read = (path: string) => readFileSync(new URL(`./lua/${path}.lua`, import.meta.url), 'utf8');

/** The main file alone, as written (its header documents the joined script's KEYS and ARGV). */
export function scriptMainSource(name: ScriptName): string {
  return read(name);
}

/** A fragment's path under shared/lua/, without `.lua`. */
export function fragmentPath(name: ScriptName, fragment: string): string {
  return fragment.includes('/') ? fragment : `${name}/${fragment}`;
}

export function fragmentSource(name: ScriptName, fragment: string): string {
  return read(fragmentPath(name, fragment));
}

/** What Redis runs: the main file, with its fragments placed after the `#!lua` line. */
export function scriptSource(name: ScriptName): string {
  const main = read(name);
  const fragments = scriptFragments[name];
  if (fragments === undefined) return main;
  const newline = main.indexOf('\n');
  const [shebang, rest] = main.startsWith('#!') ? [main.slice(0, newline + 1), main.slice(newline + 1)] : ['', main];
  return shebang + fragments.map((fragment) => fragmentSource(name, fragment)).join('\n') + '\n' + rest;
}

const commandName = (name: ScriptName) => `hardq_${name.replaceAll('-', '_')}`;
const defined = new WeakSet<Redis>();

/** Registers every script on this connection; cheap and idempotent. */
export function defineScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  for (const [name, keys] of Object.entries(scriptKeyCounts) as [ScriptName, number | null][]) {
    redis.defineCommand(commandName(name), keys === null ? { lua: scriptSource(name) } : { numberOfKeys: keys, lua: scriptSource(name) });
  }
  defined.add(redis);
}

type Callable = Record<string, (...args: (string | number | Buffer)[]) => Promise<unknown>>;
export function callScript(redis: Redis | ChainableCommander, name: ScriptName, args: (string | number | Buffer)[]): Promise<unknown> {
  return (redis as unknown as Callable)[commandName(name)]!(...args);
}
