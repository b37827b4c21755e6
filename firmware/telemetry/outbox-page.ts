// What Outbox.read() returns: up to a fixed number of records, oldest first, in buffers the outbox owns and
// reuses. The next read() overwrites them: copy or decode what you need first.

export class OutboxPage {
  /** Payload bytes of every record. */
  readonly recordBytes: number;
  /** seqs[i] is record i's sequence number, ascending (i < length). */
  readonly seqs: Uint32Array;
  /** Record i's payload is bytes[i * recordBytes, (i + 1) * recordBytes). */
  readonly bytes: Uint8Array;
  #length = 0;

  constructor(records: number, recordBytes: number) {
    this.recordBytes = recordBytes;
    this.seqs = new Uint32Array(records);
    this.bytes = new Uint8Array(records * recordBytes);
  }

  /** Records in the page. */
  get length(): number {
    return this.#length;
  }
  /** Most records a page holds. */
  get capacity(): number {
    return this.seqs.length;
  }
  seq(i: number): number {
    return this.seqs[i];
  }
  /** Record i's payload: a view into the page, valid until the next read(). */
  payload(i: number): Uint8Array {
    return this.bytes.subarray(i * this.recordBytes, (i + 1) * this.recordBytes);
  }

  /** For the outbox: empties the page. */
  clear(): void {
    this.#length = 0;
  }
  /** For the outbox: adds record `seq` whose payload is source[at, at + recordBytes). */
  push(seq: number, source: Uint8Array, at: number): void {
    const i = this.#length++;
    this.seqs[i] = seq;
    this.bytes.set(source.subarray(at, at + this.recordBytes), i * this.recordBytes);
  }
}
