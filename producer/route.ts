/**
 * Which queue a task goes to. Celery's precedence: the call's queue, then the app's
 * routes, then the task's own queue option, then the app's default queue.
 */
import type { TaskRoutes } from '../shared/app-config.ts';

const globCache = new Map<string, RegExp>();
function globToRegExp(glob: string): RegExp {
  let regexp = globCache.get(glob);
  if (!regexp) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
    regexp = new RegExp(`^${body}$`);
    globCache.set(glob, regexp);
  }
  return regexp;
}

function fromRoutes(routes: TaskRoutes | undefined, taskName: string): string | undefined {
  if (routes === undefined) return undefined;
  if (typeof routes === 'function') return routes(taskName);
  const pick = (route: string | { queue: string }) => (typeof route === 'string' ? route : route.queue);
  const exact = routes[taskName];
  if (exact !== undefined) return pick(exact);
  for (const [pattern, route] of Object.entries(routes)) {
    if (pattern.includes('*') || pattern.includes('?')) {
      if (globToRegExp(pattern).test(taskName)) return pick(route);
    }
  }
  return undefined;
}

export function routeTask(
  taskName: string,
  sources: { callQueue?: string; routes?: TaskRoutes; taskQueue?: string; defaultQueue: string },
): string {
  return sources.callQueue ?? fromRoutes(sources.routes, taskName) ?? sources.taskQueue ?? sources.defaultQueue;
}
