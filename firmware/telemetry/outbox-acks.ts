// Which sequence numbers of the outbox are acknowledged, in constant RAM: a mark (every seq at or below
// `through` is acknowledged or dropped) and a fixed number of ranges above it, ascending, disjoint and not
// touching. When an acknowledgement finds no room, a range is given up: its records count as not
// acknowledged again, so they are sent once more (a duplicate with the same seq), never lost.

export class AckRanges {
  /** Every seq at or below this is acknowledged or dropped. */
  through = 0;
  /** Most ranges kept above the mark. */
  readonly capacity: number;
  /** Range i is [ranges[2i], ranges[2i + 1]]. */
  #ranges: Uint32Array;
  #length = 0;
  /** The range the last add() gave up to make room ([1, 0] when none). */
  evictedFirst = 1;
  evictedLast = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#ranges = new Uint32Array(2 * capacity);
  }

  get length(): number {
    return this.#length;
  }
  first(i: number): number {
    return this.#ranges[2 * i];
  }
  last(i: number): number {
    return this.#ranges[2 * i + 1];
  }

  /** Index of the first range whose last seq is >= seq (length when there is none). */
  indexAfter(seq: number): number {
    let i = 0;
    while (i < this.#length && this.last(i) < seq) i++;
    return i;
  }

  contains(seq: number): boolean {
    if (seq <= this.through) return true;
    const i = this.indexAfter(seq);
    return i < this.#length && this.first(i) <= seq;
  }

  /** Removes every range and sets the mark (loading a stored state). */
  reset(through: number): void {
    this.through = through;
    this.#length = 0;
  }

  /**
   * Adds [first, last] (above the mark), merged with the ranges it overlaps or touches. Without room, the
   * highest range is given up (evictedFirst..evictedLast), or the new one when it would be the highest:
   * then nothing changes and this returns false.
   */
  add(first: number, last: number): boolean {
    this.evictedFirst = 1;
    this.evictedLast = 0;
    if (first <= this.through + 1) {
      this.raise(last); // reaches the mark: needs no range
      return true;
    }
    let i = 0;
    while (i < this.#length && this.last(i) + 1 < first) i++;
    let j = i;
    while (j < this.#length && this.first(j) <= last + 1) j++;
    // Ranges i..j-1 overlap or touch [first, last]: they become one.
    if (j > i) {
      first = Math.min(first, this.first(i));
      last = Math.max(last, this.last(j - 1));
    } else if (this.#length === this.capacity) {
      if (i === this.#length) return false;
      this.evictedFirst = this.first(this.#length - 1);
      this.evictedLast = this.last(this.#length - 1);
      this.#length--;
    }
    this.splice(i, j - i, first, last);
    this.absorb();
    return true;
  }

  /** Everything at or below `seq` is acknowledged or dropped: ranges below go, one reaching it is absorbed. */
  raise(seq: number): void {
    if (seq <= this.through) return;
    this.through = seq;
    let gone = 0;
    while (gone < this.#length && this.last(gone) <= seq) gone++;
    this.splice(0, gone);
    this.absorb();
  }

  /** Ranges i and i + 1 become one (the gap between them holds nothing unacknowledged). */
  join(i: number): void {
    const last = this.last(i + 1);
    this.splice(i + 1, 1);
    this.#ranges[2 * i + 1] = last;
  }

  /** A range starting right after the mark (or reaching below it) raises the mark to its end. */
  private absorb(): void {
    while (this.#length > 0 && this.first(0) <= this.through + 1) {
      this.through = Math.max(this.through, this.last(0));
      this.splice(0, 1);
    }
  }

  /** Removes `count` ranges at i, then inserts [first, last] there when given. */
  private splice(i: number, count: number, first?: number, last?: number): void {
    const r = this.#ranges;
    const insert = first === undefined ? 0 : 1;
    const tail = this.#length - i - count;
    r.copyWithin(2 * (i + insert), 2 * (i + count), 2 * (i + count + tail));
    if (first !== undefined) {
      r[2 * i] = first;
      r[2 * i + 1] = last as number;
    }
    this.#length += insert - count;
  }
}
