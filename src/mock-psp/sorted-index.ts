// Records kept ordered by (timestamp, insertion sequence), so a list request reads its page by position in O(log n + page).

export interface PageRequest {
  /** Inclusive lower bound on the timestamp (ms); undefined keeps everything. */
  from?: number;
  /** Items to skip in the filtered, ordered list. */
  offset: number;
  limit: number;
  descending: boolean;
}

export class SortedIndex<T> {
  private readonly items: T[] = [];

  constructor(
    private readonly timeOf: (item: T) => number,
    private readonly seqOf: (item: T) => number,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** Every item in ascending order; the caller must not modify the array. */
  all(): readonly T[] {
    return this.items;
  }

  insert(item: T): void {
    const last = this.items[this.items.length - 1];
    // Writes take their time from a monotonic clock, so nearly every insert lands at the end.
    if (last === undefined || this.compare(last, item) < 0) {
      this.items.push(item);
      return;
    }
    this.items.splice(this.position(this.timeOf(item), this.seqOf(item)), 0, item);
  }

  /** Removes an item; call it before changing the item's timestamp, which is how it is found. */
  remove(item: T): void {
    const index = this.position(this.timeOf(item), this.seqOf(item));
    if (this.items[index] === item) this.items.splice(index, 1);
  }

  clear(): void {
    this.items.length = 0;
  }

  page(request: PageRequest): T[] {
    const start = request.from === undefined ? 0 : this.position(request.from, -Infinity);
    const available = this.items.length - start;
    const count = Math.max(0, Math.min(request.limit, available - request.offset));
    const page = new Array<T>(count);
    for (let i = 0; i < count; i++) {
      const index = request.descending
        ? this.items.length - 1 - request.offset - i
        : start + request.offset + i;
      page[i] = this.items[index] as T;
    }
    return page;
  }

  /** The first position whose (time, seq) is at or after the given pair. */
  private position(time: number, seq: number): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const item = this.items[middle] as T;
      const itemTime = this.timeOf(item);
      if (itemTime < time || (itemTime === time && this.seqOf(item) < seq)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private compare(a: T, b: T): number {
    return this.timeOf(a) - this.timeOf(b) || this.seqOf(a) - this.seqOf(b);
  }
}
