// The outbox's in-memory copy of its live records, packed for a small heap: payloads back to back in one
// byte arena, and sequence number / offset / length side by side in one Uint32Array, oldest first. A record
// costs its payload plus 12 bytes (and growth headroom), where an object and a Uint8Array per record would
// cost about 240 bytes of XS heap each (measured, test/telemetry/xs.test.ts); two typed arrays in all,
// because each costs 7 slots of its own on XS.
//
// Removal only marks entries; the arrays are repacked into fresh buffers when full. Bytes already in the
// arena are never overwritten, so payload views handed out by peek() stay valid.

export interface OutboxRecord {
  seq: number;
  /** A view of the stored bytes; do not modify. */
  payload: Uint8Array;
}

/** Length of a removed entry. */
const REMOVED = 0xffffffff;
/** Entry i is entries[3i] seq, entries[3i + 1] offset in the arena, entries[3i + 2] length. */
const SEQ = 0;
const OFFSET = 1;
const LENGTH = 2;
const STRIDE = 3;

export class RecordIndex {
  #entries = new Uint32Array(16 * STRIDE);
  #head = 0;
  #tail = 0;
  #arena = new Uint8Array(256);
  #end = 0;
  #count = 0;
  #payloadBytes = 0;

  get count(): number {
    return this.#count;
  }
  /** Payload bytes of the live records. */
  get payloadBytes(): number {
    return this.#payloadBytes;
  }
  /** Appends bytes[start, end) as record `seq`, which must be above every seq appended before. */
  append(seq: number, bytes: Uint8Array, start = 0, end = bytes.length): void {
    const length = end - start;
    if ((this.#tail + 1) * STRIDE > this.#entries.length || this.#end + length > this.#arena.length) this.#repack(length);
    this.#arena.set(bytes.subarray(start, end), this.#end);
    const e = this.#tail++ * STRIDE;
    this.#entries[e + SEQ] = seq;
    this.#entries[e + OFFSET] = this.#end;
    this.#entries[e + LENGTH] = length;
    this.#end += length;
    this.#count++;
    this.#payloadBytes += length;
  }

  /** Removes the live records with first <= seq <= last; returns how many. */
  remove(first: number, last: number): number {
    const entries = this.#entries;
    let removed = 0;
    for (let i = this.#lowerBound(first); i < this.#tail && entries[i * STRIDE + SEQ] <= last; i++) {
      const length = entries[i * STRIDE + LENGTH];
      if (length === REMOVED) continue;
      entries[i * STRIDE + LENGTH] = REMOVED;
      this.#payloadBytes -= length;
      removed++;
    }
    this.#count -= removed;
    while (this.#head < this.#tail && entries[this.#head * STRIDE + LENGTH] === REMOVED) this.#head++;
    return removed;
  }

  /**
   * Visits live records oldest first until `visit` returns false. The payload is bytes[start, end) of
   * the arena passed in.
   */
  forEach(visit: (seq: number, bytes: Uint8Array, start: number, end: number) => boolean): void {
    const entries = this.#entries;
    for (let e = this.#head * STRIDE; e < this.#tail * STRIDE; e += STRIDE) {
      const length = entries[e + LENGTH];
      if (length === REMOVED) continue;
      const start = entries[e + OFFSET];
      if (!visit(entries[e + SEQ], this.#arena, start, start + length)) return;
    }
  }

  /** Up to `max` live records with seq > afterSeq, oldest first. */
  peek(max: number, afterSeq: number): OutboxRecord[] {
    const out: OutboxRecord[] = [];
    const entries = this.#entries;
    for (let e = this.#lowerBound(afterSeq + 1) * STRIDE; e < this.#tail * STRIDE && out.length < max; e += STRIDE) {
      const length = entries[e + LENGTH];
      if (length === REMOVED) continue;
      const start = entries[e + OFFSET];
      out.push({ seq: entries[e + SEQ], payload: this.#arena.subarray(start, start + length) });
    }
    return out;
  }

  /** First entry index in [head, tail) whose seq is >= seq. */
  #lowerBound(seq: number): number {
    let lo = this.#head;
    let hi = this.#tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#entries[mid * STRIDE + SEQ] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Copies the live records into fresh arrays with headroom for `need` more payload bytes. */
  #repack(need: number): void {
    const entries = Math.max(16, Math.ceil((this.#count + 1) * 1.5));
    const arenaBytes = Math.max(256, Math.ceil((this.#payloadBytes + need) * 1.5));
    const fresh = new Uint32Array(entries * STRIDE);
    const arena = new Uint8Array(arenaBytes);
    const old = this.#entries;
    let n = 0;
    let end = 0;
    for (let e = this.#head * STRIDE; e < this.#tail * STRIDE; e += STRIDE) {
      const l = old[e + LENGTH];
      if (l === REMOVED) continue;
      const start = old[e + OFFSET];
      arena.set(this.#arena.subarray(start, start + l), end);
      fresh[n * STRIDE + SEQ] = old[e + SEQ];
      fresh[n * STRIDE + OFFSET] = end;
      fresh[n * STRIDE + LENGTH] = l;
      end += l;
      n++;
    }
    this.#entries = fresh;
    this.#arena = arena;
    this.#head = 0;
    this.#tail = n;
    this.#end = end;
  }
}
