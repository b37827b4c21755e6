// The outbox's in-memory copy of its live records, packed for a small heap: payloads back to back in one
// byte arena, and sequence number / offset / length in three typed arrays, oldest first. A record costs
// its payload plus 12 bytes (and growth headroom), where an object and a Uint8Array per record would cost
// about 240 bytes of XS heap each (measured, test/telemetry/xs.test.ts).
//
// Removal only marks entries; the arrays are repacked into fresh buffers when full. Bytes already in the
// arena are never overwritten, so payload views handed out by peek() stay valid.

export interface OutboxRecord {
  seq: number;
  /** A view of the stored bytes; do not modify. */
  payload: Uint8Array;
}

const REMOVED = -1;

export class RecordIndex {
  #seq = new Uint32Array(16);
  #offset = new Uint32Array(16);
  #length = new Int32Array(16);
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
    if (this.#tail === this.#seq.length || this.#end + length > this.#arena.length) this.#repack(length);
    this.#arena.set(bytes.subarray(start, end), this.#end);
    const i = this.#tail++;
    this.#seq[i] = seq;
    this.#offset[i] = this.#end;
    this.#length[i] = length;
    this.#end += length;
    this.#count++;
    this.#payloadBytes += length;
  }

  /** Removes the live records with first <= seq <= last; returns how many. */
  remove(first: number, last: number): number {
    let removed = 0;
    for (let i = this.#lowerBound(first); i < this.#tail && this.#seq[i] <= last; i++) {
      const length = this.#length[i];
      if (length === REMOVED) continue;
      this.#length[i] = REMOVED;
      this.#payloadBytes -= length;
      removed++;
    }
    this.#count -= removed;
    while (this.#head < this.#tail && this.#length[this.#head] === REMOVED) this.#head++;
    return removed;
  }

  /**
   * Visits live records oldest first until `visit` returns false. The payload is bytes[start, end) of
   * the arena passed in.
   */
  forEach(visit: (seq: number, bytes: Uint8Array, start: number, end: number) => boolean): void {
    for (let i = this.#head; i < this.#tail; i++) {
      const length = this.#length[i];
      if (length === REMOVED) continue;
      const start = this.#offset[i];
      if (!visit(this.#seq[i], this.#arena, start, start + length)) return;
    }
  }

  /** Up to `max` live records with seq > afterSeq, oldest first. */
  peek(max: number, afterSeq: number): OutboxRecord[] {
    const out: OutboxRecord[] = [];
    for (let i = this.#lowerBound(afterSeq + 1); i < this.#tail && out.length < max; i++) {
      const length = this.#length[i];
      if (length === REMOVED) continue;
      const start = this.#offset[i];
      out.push({ seq: this.#seq[i], payload: this.#arena.subarray(start, start + length) });
    }
    return out;
  }

  /** First entry index in [head, tail) whose seq is >= seq. */
  #lowerBound(seq: number): number {
    let lo = this.#head;
    let hi = this.#tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#seq[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Copies the live records into fresh arrays with headroom for `need` more payload bytes. */
  #repack(need: number): void {
    const entries = Math.max(16, Math.ceil((this.#count + 1) * 1.5));
    const arenaBytes = Math.max(256, Math.ceil((this.#payloadBytes + need) * 1.5));
    const seq = new Uint32Array(entries);
    const offset = new Uint32Array(entries);
    const length = new Int32Array(entries);
    const arena = new Uint8Array(arenaBytes);
    let n = 0;
    let end = 0;
    for (let i = this.#head; i < this.#tail; i++) {
      const l = this.#length[i];
      if (l === REMOVED) continue;
      const start = this.#offset[i];
      arena.set(this.#arena.subarray(start, start + l), end);
      seq[n] = this.#seq[i];
      offset[n] = end;
      length[n] = l;
      end += l;
      n++;
    }
    this.#seq = seq;
    this.#offset = offset;
    this.#length = length;
    this.#arena = arena;
    this.#head = 0;
    this.#tail = n;
    this.#end = end;
  }
}
