/** hardq's version, read from the package.json above this file (in the sources and in dist/). */
import { readFileSync } from 'node:fs';

export function version(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hardq' && pkg.version) return pkg.version;
    } catch {
      // Not at this depth: try the next one up.
    }
  }
  return 'unknown';
}
