/**
 * How every `hardq` command ends: one line on stderr, no stack trace, and an exit code.
 * 0 success, 1 a failure at run time, 2 bad usage or an unreachable Redis.
 * Errors are sorted by their stable `code`, never by `instanceof`: with two copies of
 * hardq installed (the app's and the command's), classes differ but codes do not.
 */

/** A mistake in the command line: exit 2, one line. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

/** Codes that mean "fix the call or the setup", not "it failed while running": exit 2. */
const usageCodes = new Set(['USAGE', 'INVALID_OPTION', 'REDIS_UNAVAILABLE', 'REDIS_NO_PERMISSION', 'SERIALIZATION', 'UNKNOWN_TASK', 'MESSAGE_TOO_LARGE']);

export function exitCodeOf(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 1;
  return usageCodes.has(code) || code.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
}

/** Prints one line for an error and exits with its code. */
export function exitWith(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${message.split('\n')[0]}\n`);
  process.exit(exitCodeOf(error));
}

/** HH:MM:SS.mmm in local time, for log lines. */
export function clock(date = new Date()): string {
  return date.toTimeString().slice(0, 8) + '.' + String(date.getMilliseconds()).padStart(3, '0');
}
