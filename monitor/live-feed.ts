/**
 * The live feed: ONE loop on the server reads Redis once a tick (monitor/sample.ts) and
 * sends the result to every open page over server-sent events, so ten open pages cost Redis
 * what one does. A new page first gets the ring of recent samples, then each tick.
 * 1. start(): ticks every intervalMs; a tick that fails is logged and the next one tries again.
 * 2. attach(response): an SSE stream until the page closes it.
 * 3. stop(): waits for the tick in flight and ends every stream.
 */
import type { ServerResponse } from 'node:http';
import { Ring } from './history.ts';
import type { Sample, Sampler, Snapshot } from './sample.ts';

export type FeedMessage = Snapshot;

export class LiveFeed {
  #sampler: Sampler;
  #intervalMs: number;
  #log: (line: string) => void;
  #ring: Ring<Sample>;
  #clients = new Set<ServerResponse>();
  #latest: FeedMessage | undefined;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #stopped = false;
  #failing = false;

  constructor(sampler: Sampler, options: { intervalMs: number; historySize: number; log: (line: string) => void }) {
    this.#sampler = sampler;
    this.#intervalMs = options.intervalMs;
    this.#log = options.log;
    this.#ring = new Ring(options.historySize);
  }

  get clients(): number {
    return this.#clients.size;
  }

  get latest(): FeedMessage | undefined {
    return this.#latest;
  }

  history(): Sample[] {
    return this.#ring.toArray();
  }

  start(): void {
    const loop = () => {
      if (this.#stopped) return;
      this.#tick = this.#once().finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(loop, this.#intervalMs);
      });
    };
    loop();
  }

  async #once(): Promise<void> {
    try {
      const snapshot = await this.#sampler.take();
      this.#ring.push(snapshot.sample);
      this.#latest = snapshot;
      this.#send('tick', snapshot);
      if (this.#failing) this.#log('[hardq monitor] reading Redis works again');
      this.#failing = false;
    } catch (error) {
      // One line when Redis goes away, not one per tick; the pages keep their last numbers.
      if (!this.#failing) this.#log(`[hardq monitor] reading Redis failed (${(error as Error).message}); retrying every tick`);
      this.#failing = true;
      this.#send('error', { message: (error as Error).message });
    }
  }

  #send(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.#clients) client.write(frame);
  }

  attach(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(`retry: 2000\nevent: history\ndata: ${JSON.stringify({ samples: this.history(), latest: this.#latest })}\n\n`);
    this.#clients.add(response);
    response.on('close', () => this.#clients.delete(response));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }
}
