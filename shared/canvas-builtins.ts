/**
 * The built-in tasks behind `task.map`, `task.starmap` and `task.chunks` (Celery's
 * celery.map / celery.starmap): one message that runs a registered task's handler over
 * many items, in order, in one worker. Registered in every app, so any worker can run them.
 */
import { InvalidOptionError } from './errors.ts';
import type { TaskRegistry } from './task-registry.ts';

export const mapTaskName = 'hardq.map';
export const starmapTaskName = 'hardq.starmap';
/**
 * Starts the canvas in its `chain` field with no parent result: how a producer without the
 * Lua scripts (clients/python/hardq_canvas.py) sends a chord; the worker creates the
 * chord's bookkeeping in the step that acknowledges this message.
 */
export const startTaskName = 'hardq.start';

function handlerOf(registry: TaskRegistry, name: string): (...args: unknown[]) => unknown {
  const definition = registry.get(name);
  if (definition === undefined) throw new InvalidOptionError(`map: no task named "${name}" is registered on this worker`);
  if (definition.bind) throw new InvalidOptionError(`map: task "${name}" is bound (bind: true); map and starmap call plain handlers only`);
  return definition.handler as (...args: unknown[]) => unknown;
}

export function registerCanvasBuiltins(registry: TaskRegistry): void {
  registry.add({ name: startTaskName, bind: false, builtin: true, options: {}, handler: () => null });
  registry.add({
    name: mapTaskName, bind: false, builtin: true, options: {},
    handler: (async (name: string, items: unknown[]) => {
      const handler = handlerOf(registry, name);
      const results: unknown[] = [];
      for (const item of items) results.push((await handler(item)) ?? null);
      return results;
    }) as (...args: never[]) => unknown,
  });
  registry.add({
    name: starmapTaskName, bind: false, builtin: true, options: {},
    handler: (async (name: string, items: unknown[][]) => {
      const handler = handlerOf(registry, name);
      const results: unknown[] = [];
      for (const item of items) results.push((await handler(...item)) ?? null);
      return results;
    }) as (...args: never[]) => unknown,
  });
}
