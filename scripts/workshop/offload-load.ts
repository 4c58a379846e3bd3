/**
 * The load for lesson 1: the same number of POSTs at the same concurrency against one
 * path of the web app, each request timed from its start to its last byte. Clients reuse
 * their connections (keep-alive), as a browser or a proxy would, so the time is the
 * server's, not TCP's.
 */
import { Agent, request } from 'node:http';

export type LoadRun = {
  /** Requests answered with a 2xx. */
  ok: number;
  /** Requests that failed or got another status, with the first reason seen. */
  failed: number;
  firstFailure?: string;
  /** From the first request's start to the last one's end, in ms. */
  wallMs: number;
  /** One per request answered, in ms, sorted. */
  latenciesMs: number[];
  /** The bodies of the 2xx answers, parsed. */
  bodies: unknown[];
};

/** One HTTP request; resolves with the status and the body text. */
export function call(agent: Agent, url: string, method: 'GET' | 'POST', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, agent, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Sends `requests` POSTs to `url` from `concurrency` clients, each waiting for its answer before the next. */
export async function fireLoad(url: string, options: { requests: number; concurrency: number }): Promise<LoadRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const run: LoadRun = { ok: 0, failed: 0, wallMs: 0, latenciesMs: [], bodies: [] };
  let next = 0;
  const client = async () => {
    while (next < options.requests) {
      const n = next++;
      const startedAt = performance.now();
      try {
        const { status, text } = await call(agent, url, 'POST', JSON.stringify({ email: `user${n}@example.com` }));
        if (status < 200 || status > 299) throw new Error(`HTTP ${status}: ${text.trim()}`);
        run.latenciesMs.push(performance.now() - startedAt);
        run.bodies.push(JSON.parse(text));
        run.ok++;
      } catch (error) {
        run.failed++;
        run.firstFailure ??= (error as Error).message;
      }
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.requests) }, client));
  run.wallMs = performance.now() - startedAt;
  agent.destroy();
  run.latenciesMs.sort((a, b) => a - b);
  return run;
}

/** The nearest-rank percentile (p in 0..100) of sorted values; NaN when there are none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
