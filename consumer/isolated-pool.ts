/**
 * The threads and process pools (placeholder until they land): handlers run in
 * worker_threads or child processes that load the app module.
 */
import { InvalidOptionError } from '../shared/errors.ts';
import type { Pool } from './pool.ts';

export type IsolatedPoolOptions = { appModule: string | URL; size: number; log: (line: string) => void };

export function createIsolatedPool(kind: 'threads' | 'process', _options: IsolatedPoolOptions): Pool {
  throw new InvalidOptionError(`the ${kind} pool is not built yet`);
}
