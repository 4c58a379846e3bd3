/**
 * Every error hardq throws, as typed classes with a stable `code`.
 * They are grouped by what the caller should do next: reconnect or retry,
 * fix the call, read a result, or (for handlers) signal the worker.
 * Two copies of hardq in one app (a CLI and a library, two versions) have two sets of
 * classes, so `instanceof` and `is()` compare the brand and `code`, not the prototype.
 */

/** Marks hardq errors from any copy of the package: Symbol.for is shared by the whole realm. */
const brand = Symbol.for('hardq.error');

/** The base class: `name` is the class name and `code` never changes between releases. */
export class HardqError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * `error instanceof TaskFailedError` is true for a TaskFailedError from any copy of hardq:
   * a hardq error whose `code` is the class's static `code` (any hardq error, for HardqError
   * itself). A class without its own static `code` (a subclass of yours) checks the
   * prototype chain only, as `instanceof` always does.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null || (value as { [brand]?: unknown })[brand] !== true) return false;
    if (this === HardqError) return true;
    const code: unknown = Object.hasOwn(this, 'code') ? (this as { code?: unknown }).code : undefined;
    return typeof code === 'string' && (value as { code?: unknown }).code === code;
  }

  /**
   * The same test as `instanceof`, as a type guard that reads well in a catch:
   * `if (TaskFailedError.is(error)) console.log(error.remote.name)`.
   * @example HardqError.is(error) && error.code === 'RESULT_TIMEOUT'
   */
  static is<T extends abstract new (...args: never[]) => HardqError>(this: T, value: unknown): value is InstanceType<T> {
    return value instanceof this;
  }
}
Object.defineProperty(HardqError.prototype, brand, { value: true });

// --- Reconnect or retry -------------------------------------------------------

/** Redis could not be reached within the first-connection bound. Start Redis, or point `--redis` at one. */
export class RedisUnavailableError extends HardqError {
  static readonly code = 'REDIS_UNAVAILABLE';
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, reason: string) {
    super(
      RedisUnavailableError.code,
      `cannot reach Redis at ${host}:${port} (${reason}); start one with: redis-server --port ${port}`,
    );
    this.host = host;
    this.port = port;
  }
}

/**
 * Redis answered, but the user hardq connects as may not run a command hardq needs
 * (NOPERM), such as `cluster|slots` on a Cluster. Retrying does not help: grant the command.
 */
export class RedisPermissionError extends HardqError {
  static readonly code = 'REDIS_NO_PERMISSION';
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** The command refused, as ACL rules name it (`cluster|slots`); undefined when Redis named keys or channels instead. */
  readonly command: string | undefined;
  constructor(host: string, port: number, username: string, reply: string) {
    const command = /run the '([^']+)' command/.exec(reply)?.[1];
    const what = command === undefined ? reply.replace(/^NOPERM\s*/, '') : `it may not run ${command.toUpperCase().replace('|', ' ')}`;
    const fix = command === undefined ? `fix the user's key and channel patterns on every node` : `grant it on every node with ACL SETUSER ${username} +${command}`;
    super(
      RedisPermissionError.code,
      `Redis at ${host}:${port} refused user "${username}" (NOPERM: ${what}); ${fix}, or make the user with: hardq acl --role <role> --queues <queues> --apply`,
    );
    this.host = host;
    this.port = port;
    this.username = username;
    this.command = command;
  }
}

// --- Fix the call -------------------------------------------------------------

/** A value JSON cannot carry faithfully; `path` names where it sits, e.g. `args[1].when`. */
export class SerializationError extends HardqError {
  static readonly code = 'SERIALIZATION';
  readonly path: string;
  constructor(path: string, what: string) {
    super(SerializationError.code, `${path} ${what}; send only JSON values (plain objects, arrays, strings, finite numbers, booleans, null)`);
    this.path = path;
  }
}

/** An option with a value that makes no sense (a negative countdown, a rate limit that does not parse). */
export class InvalidOptionError extends HardqError {
  static readonly code = 'INVALID_OPTION';
  constructor(message: string) {
    super(InvalidOptionError.code, message);
  }
}

/** A task name that this app has not registered. */
export class UnknownTaskError extends HardqError {
  static readonly code = 'UNKNOWN_TASK';
  constructor(name: string) {
    super(UnknownTaskError.code, `no task named "${name}" is registered; register it with app.task("${name}", handler) in the app module both sides import`);
  }
}

// --- Results ------------------------------------------------------------------

/** `get()` waited `timeoutMs` and the task had not finished. The task may still run later. */
export class ResultTimeoutError extends HardqError {
  static readonly code = 'RESULT_TIMEOUT';
  constructor(id: string, timeoutMs: number) {
    super(ResultTimeoutError.code, `task ${id} has no result after ${timeoutMs} ms; is a consumer running for its queue?`);
  }
}

/** What a failed task left behind: the remote error's name, message and stack. */
export type RemoteError = { name: string; message: string; stack?: string };

/** The task failed on the worker (or its message was dead-lettered); `remote` holds the worker's error. */
export class TaskFailedError extends HardqError {
  static readonly code = 'TASK_FAILED';
  readonly remote: RemoteError;
  readonly taskId: string;
  constructor(taskId: string, remote: RemoteError) {
    super(TaskFailedError.code, `task ${taskId} failed: ${remote.name}: ${remote.message}`);
    this.remote = remote;
    this.taskId = taskId;
  }
}

/** The task was revoked or expired before it ran. */
export class TaskRevokedError extends HardqError {
  static readonly code = 'TASK_REVOKED';
  readonly reason: string;
  constructor(taskId: string, reason: string) {
    super(TaskRevokedError.code, `task ${taskId} was not run: ${reason}`);
    this.reason = reason;
  }
}

/** `get()` on a task declared with `ignoreResult`: no result will ever be stored. */
export class ResultIgnoredError extends HardqError {
  static readonly code = 'RESULT_IGNORED';
  constructor(name: string) {
    super(ResultIgnoredError.code, `task "${name}" has ignoreResult set, so no result is stored; drop ignoreResult to wait for it`);
  }
}

// --- Signals a handler may throw (or receive) ---------------------------------

/**
 * Thrown by a handler (or by `ctx.retry()`) to ask for a retry. `countdownMs` overrides the
 * task's delay; `cause` is the error to report if no retries are left.
 */
export class Retry extends HardqError {
  static readonly code = 'RETRY';
  readonly countdownMs: number | undefined;
  /** Retry on this queue instead (it reaches another queue through the relay, consumer/relay.ts). */
  readonly queue: string | undefined;
  constructor(options: { countdownMs?: number; error?: unknown; message?: string; queue?: string } = {}) {
    super(Retry.code, options.message ?? (options.error instanceof Error ? `retry after ${options.error.name}: ${options.error.message}` : 'retry requested'), { cause: options.error });
    this.countdownMs = options.countdownMs;
    this.queue = options.queue;
  }
}

/** The soft time limit passed: the handler's AbortSignal fired with this reason. */
export class SoftTimeLimitExceeded extends HardqError {
  static readonly code = 'SOFT_TIME_LIMIT';
  constructor(limitMs: number) {
    super(SoftTimeLimitExceeded.code, `the soft time limit of ${limitMs} ms passed`);
  }
}

/** The hard time limit passed: the task failed and its handler was stopped (or, in the async pool, abandoned). */
export class TimeLimitExceeded extends HardqError {
  static readonly code = 'TIME_LIMIT';
  constructor(limitMs: number, how: string) {
    super(TimeLimitExceeded.code, `the hard time limit of ${limitMs} ms passed; ${how}`);
  }
}

/** The thread or child process running the task went away before it finished (Celery's name): a crash, process.exit, an OOM kill. */
export class WorkerLostError extends HardqError {
  static readonly code = 'WORKER_LOST';
  constructor(message: string) {
    super(WorkerLostError.code, message);
  }
}

// --- Bounds: refused before anything is sent ------------------------------------

/** A message bigger than maxMessageBytes: consumers would dead-letter it unread. */
export class MessageTooLargeError extends HardqError {
  static readonly code = 'MESSAGE_TOO_LARGE';
  readonly taskName: string;
  readonly sizeBytes: number;
  readonly maxMessageBytes: number;
  constructor(taskName: string, sizeBytes: number, maxMessageBytes: number) {
    super(
      MessageTooLargeError.code,
      `a message for task "${taskName}" is ${sizeBytes} bytes, over maxMessageBytes (${maxMessageBytes}); keep large payloads elsewhere (a file, an object store, a database row) and pass a reference, or raise maxMessageBytes on the producer and every consumer alike`,
    );
    this.taskName = taskName;
    this.sizeBytes = sizeBytes;
    this.maxMessageBytes = maxMessageBytes;
  }
}

/** Redis is unreachable and maxPendingSends sends already wait for it in memory. Retry later. */
export class SendBufferFullError extends HardqError {
  static readonly code = 'SEND_BUFFER_FULL';
  readonly pendingSends: number;
  constructor(pendingSends: number, maxPendingSends: number) {
    super(
      SendBufferFullError.code,
      `Redis is unreachable and ${pendingSends} sends are already waiting for it (maxPendingSends is ${maxPendingSends}); nothing was sent: retry once Redis is back, shed load meanwhile, or raise maxPendingSends to hold more sends in memory`,
    );
    this.pendingSends = pendingSends;
  }
}

/** A reliable consumer's first heartbeat was refused: another live process uses its consumer id. */
export class ConsumerIdInUseError extends HardqError {
  static readonly code = 'CONSUMER_ID_IN_USE';
  readonly consumerId: string;
  readonly queue: string;
  constructor(consumerId: string, queue: string, heartbeatTtlMs: number) {
    super(
      ConsumerIdInUseError.code,
      `another live process uses consumer id ${consumerId} on queue "${queue}"; stop it, wait heartbeatTtlMs (${heartbeatTtlMs} ms) after it stopped, or choose another consumerId`,
    );
    this.consumerId = consumerId;
    this.queue = queue;
  }
}
