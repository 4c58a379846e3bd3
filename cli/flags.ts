/**
 * Command-line flags for every `hardq` command (and the demo and chaos scripts): node's
 * parseArgs, with its errors turned into one line that names the flag, suggests the flag
 * meant for a typo, and exits 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './exit.ts';
import { didYouMean } from './suggest.ts';

/** parseArgs(config), strict; any mistake becomes a UsageError with one line. */
export function parseFlags<C extends ParseArgsConfig>(command: string, config: C): ReturnType<typeof parseArgs<C>> {
  try {
    return parseArgs(config); // strict unless the config says otherwise: unknown flags are errors
  } catch (error) {
    throw explain(error as Error & { code?: string }, command, config.options ?? {});
  }
}

function explain(error: Error & { code?: string }, command: string, options: NonNullable<ParseArgsConfig['options']>): Error {
  const help = ` (see ${command} --help)`;
  const names = Object.entries(options).flatMap(([name, spec]) => [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])]);
  const quoted = /'(-[^' ]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown flag ${quoted}${didYouMean(quoted ?? '', names)}${help}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = /'(?:-\w, )?(--[\w-]+)/.exec(error.message)?.[1] ?? quoted;
      if (/does not take an argument/.test(error.message)) return new UsageError(`${flag} takes no value${help}`);
      return new UsageError(`${flag} needs a value${help}`);
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument ${quoted ?? /'([^']*)'/.exec(error.message)?.[1]}${help}`);
    default:
      return error;
  }
}

/** A whole number >= min, or the fallback when the flag is absent. */
export function parseIntFlag(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(number) || number < min) {
    throw new UsageError(`--${name} must be a whole number${min > 0 ? ` of at least ${min}` : ' (0 or more)'}, got ${value}`);
  }
  return number;
}

/** JSON.parse with a one-line error, and no numbers JSON cannot carry (1e400 parses to Infinity). */
export function parseJsonFlag(value: string | undefined, name: string): unknown {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new UsageError(`--${name} is not JSON (${(error as Error).message})`);
  }
  const bad = nonFinite(parsed, name);
  if (bad) throw new UsageError(`--${name}: ${bad} is too large for a JSON number (it would arrive as null)`);
  return parsed;
}

function nonFinite(value: unknown, path: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const bad = nonFinite(item, `${path}[${i}]`);
      if (bad) return bad;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const bad = nonFinite(item, `${path}.${key}`);
      if (bad) return bad;
    }
  }
  return undefined;
}
