/**
 * A fixed-size ring of the live feed's samples, for the charts a page draws when it opens.
 * Its size is fixed, so the server's memory stays flat however many tasks run; the long
 * history (tasks, per-minute counts) lives in Redis, capped, and is read on demand.
 */
export class Ring<T> {
  readonly capacity: number;
  #items: T[] = [];
  #next = 0;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError('a ring needs a capacity of at least 1');
    this.capacity = capacity;
  }

  push(item: T): void {
    if (this.#items.length < this.capacity) this.#items.push(item);
    else this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.#items.length < this.capacity ? [...this.#items] : [...this.#items.slice(this.#next), ...this.#items.slice(0, this.#next)];
  }

  get size(): number {
    return this.#items.length;
  }
}
