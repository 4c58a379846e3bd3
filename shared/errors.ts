/**
 * Every error hardq throws, as typed classes with a stable `code`.
 * They are grouped by what the caller should do next: reconnect or retry,
 * fix the call, read a result, or (for handlers) signal the worker.
 */

/** The base class: `name` is the class name and `code` never changes between releases. */
export class HardqError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

// --- Reconnect or retry -------------------------------------------------------

/** Redis could not be reached within the first-connection bound. Start Redis, or point `--redis` at one. */
export class RedisUnavailableError extends HardqError {
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, reason: string) {
    super(
      'REDIS_UNAVAILABLE',
      `cannot reach Redis at ${host}:${port} (${reason}); start one with: redis-server --port ${port}`,
    );
    this.host = host;
    this.port = port;
  }
}

// --- Fix the call -------------------------------------------------------------

/** A value JSON cannot carry faithfully; `path` names where it sits, e.g. `args[1].when`. */
export class SerializationError extends HardqError {
  readonly path: string;
  constructor(path: string, what: string) {
    super('SERIALIZATION', `${path} ${what}; send only JSON values (plain objects, arrays, strings, finite numbers, booleans, null)`);
    this.path = path;
  }
}

/** An option with a value that makes no sense (a negative countdown, a rate limit that does not parse). */
export class InvalidOptionError extends HardqError {
  constructor(message: string) {
    super('INVALID_OPTION', message);
  }
}

/** A task name that this app has not registered. */
export class UnknownTaskError extends HardqError {
  constructor(name: string) {
    super('UNKNOWN_TASK', `no task named "${name}" is registered; register it with app.task("${name}", handler) in the app module both sides import`);
  }
}

// --- Results ------------------------------------------------------------------

/** `get()` waited `timeoutMs` and the task had not finished. The task may still run later. */
export class ResultTimeoutError extends HardqError {
  constructor(id: string, timeoutMs: number) {
    super('RESULT_TIMEOUT', `task ${id} has no result after ${timeoutMs} ms; is a consumer running for its queue?`);
  }
}

/** What a failed task left behind: the remote error's name, message and stack. */
export type RemoteError = { name: string; message: string; stack?: string };

/** The task failed on the worker (or its message was dead-lettered); `remote` holds the worker's error. */
export class TaskFailedError extends HardqError {
  readonly remote: RemoteError;
  readonly taskId: string;
  constructor(taskId: string, remote: RemoteError) {
    super('TASK_FAILED', `task ${taskId} failed: ${remote.name}: ${remote.message}`);
    this.remote = remote;
    this.taskId = taskId;
  }
}

/** The task was revoked or expired before it ran. */
export class TaskRevokedError extends HardqError {
  readonly reason: string;
  constructor(taskId: string, reason: string) {
    super('TASK_REVOKED', `task ${taskId} was not run: ${reason}`);
    this.reason = reason;
  }
}

/** `get()` on a task declared with `ignoreResult`: no result will ever be stored. */
export class ResultIgnoredError extends HardqError {
  constructor(name: string) {
    super('RESULT_IGNORED', `task "${name}" has ignoreResult set, so no result is stored; drop ignoreResult to wait for it`);
  }
}

// --- Signals a handler may throw (or receive) ---------------------------------

/**
 * Thrown by a handler (or by `ctx.retry()`) to ask for a retry. `countdownMs` overrides the
 * task's delay; `cause` is the error to report if no retries are left.
 */
export class Retry extends HardqError {
  readonly countdownMs: number | undefined;
  constructor(options: { countdownMs?: number; error?: unknown; message?: string } = {}) {
    super('RETRY', options.message ?? (options.error instanceof Error ? `retry after ${options.error.name}: ${options.error.message}` : 'retry requested'), { cause: options.error });
    this.countdownMs = options.countdownMs;
  }
}

/** The soft time limit passed: the handler's AbortSignal fired with this reason. */
export class SoftTimeLimitExceeded extends HardqError {
  constructor(limitMs: number) {
    super('SOFT_TIME_LIMIT', `the soft time limit of ${limitMs} ms passed`);
  }
}

/** The hard time limit passed: the task failed and its handler was stopped (or, in the async pool, abandoned). */
export class TimeLimitExceeded extends HardqError {
  constructor(limitMs: number, how: string) {
    super('TIME_LIMIT', `the hard time limit of ${limitMs} ms passed; ${how}`);
  }
}

/** The thread or child process running the task went away before it finished (Celery's name): a crash, process.exit, an OOM kill. */
export class WorkerLostError extends HardqError {
  constructor(message: string) {
    super('WORKER_LOST', message);
  }
}

// --- Bounds: refused before anything is sent ------------------------------------

/** A message bigger than maxMessageBytes: consumers would dead-letter it unread. */
export class MessageTooLargeError extends HardqError {
  readonly taskName: string;
  readonly sizeBytes: number;
  readonly maxMessageBytes: number;
  constructor(taskName: string, sizeBytes: number, maxMessageBytes: number) {
    super(
      'MESSAGE_TOO_LARGE',
      `a message for task "${taskName}" is ${sizeBytes} bytes, over maxMessageBytes (${maxMessageBytes}); keep large payloads elsewhere (a file, an object store, a database row) and pass a reference, or raise maxMessageBytes on the producer and every consumer alike`,
    );
    this.taskName = taskName;
    this.sizeBytes = sizeBytes;
    this.maxMessageBytes = maxMessageBytes;
  }
}

/** Redis is unreachable and maxPendingSends sends already wait for it in memory. Retry later. */
export class SendBufferFullError extends HardqError {
  readonly pendingSends: number;
  constructor(pendingSends: number, maxPendingSends: number) {
    super(
      'SEND_BUFFER_FULL',
      `Redis is unreachable and ${pendingSends} sends are already waiting for it (maxPendingSends is ${maxPendingSends}); nothing was sent: retry once Redis is back, shed load meanwhile, or raise maxPendingSends to hold more sends in memory`,
    );
    this.pendingSends = pendingSends;
  }
}

/** A reliable consumer's first heartbeat was refused: another live process uses its consumer id. */
export class ConsumerIdInUseError extends HardqError {
  readonly consumerId: string;
  readonly queue: string;
  constructor(consumerId: string, queue: string, heartbeatTtlMs: number) {
    super(
      'CONSUMER_ID_IN_USE',
      `another live process uses consumer id ${consumerId} on queue "${queue}"; stop it, wait heartbeatTtlMs (${heartbeatTtlMs} ms) after it stopped, or choose another consumerId`,
    );
    this.consumerId = consumerId;
    this.queue = queue;
  }
}
