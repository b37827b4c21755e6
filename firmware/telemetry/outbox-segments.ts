// The outbox's segment files in RAM: for each file of the ring, the first sequence number it holds and how
// many slot positions it has, plus the files in use ordered oldest first. Its size is the number of files in
// the ring (fixed by the configuration), whatever the number of records stored.

/** Per file, in one array: the first seq, and the positions with the flags in the bits above them (positions
 *  fit the 24 bits below: a segment has at most 2^24 - 1 slots, outbox.ts). */
const FIRST = 0;
const POSITIONS = 1;
const STRIDE = 2;
const POSITION_MASK = 0xffffff;
/** The file has positions whose slot does not check out: count its records by reading them. */
const VERIFY = 1 << 24;

export class SegmentTable {
  /** Number of file indexes the table can hold. */
  readonly size: number;
  #files: Uint32Array;
  /** File indexes in use, oldest (lowest first seq) first. */
  #order: Uint16Array;
  #length = 0;

  constructor(size: number) {
    this.size = size;
    this.#files = new Uint32Array(STRIDE * size);
    this.#order = new Uint16Array(size);
  }

  /** Files in use. */
  get length(): number {
    return this.#length;
  }
  /** File index of the i-th oldest segment. */
  file(i: number): number {
    return this.#order[i];
  }
  first(file: number): number {
    return this.#files[STRIDE * file + FIRST];
  }
  /** Slot positions in the file, including a torn or damaged last one. */
  positions(file: number): number {
    return this.#files[STRIDE * file + POSITIONS] & POSITION_MASK;
  }
  /** One past the last sequence number the file has a position for. */
  end(file: number): number {
    return this.first(file) + this.positions(file);
  }
  verify(file: number): boolean {
    return (this.#files[STRIDE * file + POSITIONS] & VERIFY) !== 0;
  }
  markVerify(file: number): void {
    this.#files[STRIDE * file + POSITIONS] |= VERIFY;
  }
  setPositions(file: number, positions: number): void {
    const at = STRIDE * file + POSITIONS;
    this.#files[at] = (this.#files[at] & ~POSITION_MASK) | positions;
  }

  inUse(file: number): boolean {
    for (let i = 0; i < this.#length; i++) if (this.#order[i] === file) return true;
    return false;
  }

  /** The lowest file index below `limit` not in use, or -1. */
  free(limit: number): number {
    for (let file = 0; file < limit && file < this.size; file++) if (!this.inUse(file)) return file;
    return -1;
  }

  /**
   * Adds a file holding positions [first, first + positions), in order. Returns false (and adds nothing)
   * when that overlaps a file already in the table: two files never hold the same sequence number.
   */
  add(file: number, first: number, positions: number, verify: boolean): boolean {
    let i = this.#length;
    while (i > 0 && this.first(this.#order[i - 1]) > first) i--;
    const end = first + positions;
    if (i > 0 && this.end(this.#order[i - 1]) > first) return false;
    if (i < this.#length && this.first(this.#order[i]) < end) return false;
    this.#order.copyWithin(i + 1, i, this.#length);
    this.#order[i] = file;
    this.#length++;
    this.#files[STRIDE * file + FIRST] = first;
    this.#files[STRIDE * file + POSITIONS] = positions | (verify ? VERIFY : 0);
    return true;
  }

  remove(file: number): void {
    for (let i = 0; i < this.#length; i++) {
      if (this.#order[i] !== file) continue;
      this.#order.copyWithin(i, i + 1, this.#length);
      this.#length--;
      return;
    }
  }
}
