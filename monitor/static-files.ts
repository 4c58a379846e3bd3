/**
 * The pages' files: everything under monitor/web/, and uPlot from node_modules under
 * /vendor/. The list is read once at start and only those paths are served, so no request
 * path can reach another file. Nothing is fetched from the internet.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export type StaticFiles = Map<string, { body: Buffer; type: string }>;

export function loadStaticFiles(): StaticFiles {
  const files: StaticFiles = new Map();
  const webRoot = fileURLToPath(new URL('./web/', import.meta.url));
  for (const path of readdirSync(webRoot, { recursive: true, encoding: 'utf8' })) {
    const type = types[extname(path)];
    if (type !== undefined) files.set(`/${path.split('\\').join('/')}`, { body: readFileSync(join(webRoot, path)), type });
  }
  const require = createRequire(import.meta.url);
  for (const [route, module] of [['/vendor/uPlot.esm.js', 'uplot/dist/uPlot.esm.js'], ['/vendor/uPlot.min.css', 'uplot/dist/uPlot.min.css']] as const) {
    files.set(route, { body: readFileSync(require.resolve(module)), type: types[extname(route)]! });
  }
  return files;
}

/** Serves a listed file; returns false when the path is not one. */
export function serveStatic(files: StaticFiles, path: string, response: ServerResponse): boolean {
  const file = files.get(path === '/' ? '/index.html' : path);
  if (file === undefined) return false;
  response.writeHead(200, { 'content-type': file.type, 'cache-control': path.startsWith('/vendor/') ? 'max-age=3600' : 'no-cache', 'x-content-type-options': 'nosniff' });
  response.end(file.body);
  return true;
}
