/**
 * The entry a thread (threads pool) or child process (process pool) runs. It imports the
 * app module once, on the worker's LoadRequest, then runs one task at a time and replies
 * with its value or its error. The soft time limit is timed here, next to the handler;
 * the hard one is timed by the worker, which stops this thread or process when it passes.
 */
import { parentPort } from 'node:worker_threads';
import { InvalidOptionError, SerializationError, SoftTimeLimitExceeded, UnknownTaskError } from '../shared/errors.ts';
import type { TaskContext, TaskRegistry } from '../shared/task-registry.ts';
import type { TaskMessage } from '../shared/message.ts';
import { taskContext } from './async-pool.ts';
import { isError, toWireError, type MemberMessage, type ParentMessage, type RunRequest } from './pool-messages.ts';

type Channel = { where: string; send(message: MemberMessage): void; listen(listener: (message: ParentMessage) => void): void };

function openChannel(): Channel {
  const port = parentPort;
  if (port !== null) {
    return { where: 'thread', send: (message) => port.postMessage(message), listen: (listener) => port.on('message', listener) };
  }
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('consumer/pool-child.ts runs inside the threads or process pool, not on its own');
  // The worker owns this process's lifetime. Ctrl-C reaches the whole process group, and
  // the worker answers it by finishing in-flight tasks, so the task running here must not
  // die first; the worker stops this process itself (SIGKILL) when it closes the pool.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  // The worker is gone (it crashed or was killed): nobody will read a result, so leave.
  process.on('disconnect', () => process.exit(0));
  return {
    where: 'child process',
    send: (message) => void send(message),
    listen: (listener) => process.on('message', (message) => listener(message as ParentMessage)),
  };
}

const channel = openChannel();
let registry: TaskRegistry | undefined;

/** Sends a reply; a value structured clone cannot copy becomes `fallback()` instead. */
function reply(message: MemberMessage, fallback: (error: Error) => MemberMessage): void {
  try {
    channel.send(message);
  } catch (error) {
    channel.send(fallback(error as Error));
  }
}

async function load(appModule: string): Promise<void> {
  try {
    const loaded = (await import(appModule)) as { default?: { registry?: TaskRegistry } };
    const app = loaded.default;
    if (typeof app?.registry?.get !== 'function') throw new InvalidOptionError(`${appModule} has no default export made by createApp()`);
    registry = app.registry;
    channel.send({ type: 'ready' });
  } catch (error) {
    const cause = isError(error) ? error : new Error(String(error));
    channel.send({ type: 'load-failed', error: toWireError(cause) });
  }
}

async function run(request: RunRequest): Promise<void> {
  const { jobId, softTimeLimitMs } = request;
  const controller = new AbortController();
  const soft = softTimeLimitMs === undefined ? undefined
    : setTimeout(() => controller.abort(new SoftTimeLimitExceeded(softTimeLimitMs)), softTimeLimitMs);
  try {
    const definition = registry?.get(request.task);
    if (definition === undefined) throw new UnknownTaskError(request.task);
    let value: unknown;
    if (request.bind) {
      const message: TaskMessage = { v: 1, id: request.id, task: request.task, args: request.args, kwargs: request.kwargs, retries: request.retries };
      const ctx = taskContext({ definition, message, queue: request.queue, signal: controller.signal }, controller.signal);
      value = await (definition.handler as (ctx: TaskContext, ...args: unknown[]) => unknown)(ctx, ...request.args);
    } else {
      value = await (definition.handler as (...args: unknown[]) => unknown)(...request.args);
    }
    reply({ type: 'done', jobId, value }, (error) => ({
      type: 'failed', jobId, error: toWireError(new SerializationError('result', `cannot be copied out of the ${channel.where} (${error.message})`)),
    }));
  } catch (error) {
    if (isError(error)) channel.send({ type: 'failed', jobId, error: toWireError(error) });
    // A thrown non-Error goes back as it was, so the worker dead-letters it as in the async pool.
    else reply({ type: 'threw', jobId, value: error }, () => ({ type: 'threw', jobId, value: String(error) }));
  } finally {
    clearTimeout(soft);
  }
}

channel.listen((message) => {
  if (message.type === 'load') void load(message.appModule);
  else void run(message);
});
