// The store-and-forward outbox: every reading is stored on flash before it is published and stays until the
// broker acknowledged it, so a reset, a power loss or an outage of a day or two loses nothing.
//
// Layout on the Storage port (docs/telemetry.md has the figures):
//   <name>.s<k>       segment files, a ring of `segmentFiles` (k < segmentFiles), each up to `segmentRecords`
//                     fixed-size slots (outbox-slot.ts) with consecutive sequence numbers, so where a seq lies
//                     in its file is arithmetic: nothing per record is kept in RAM
//   <name>.m0, .m1    the metadata (outbox-meta.ts), written in turn: acknowledged-through mark, a few
//                     acknowledged ranges above it, drops, damage, the sequence reservation
// RAM is the segment table (a few bytes per file of the ring), the acknowledged ranges, one slot and one
// page of records for read(): fixed by the configuration, the same empty or full. Opening scans the
// unacknowledged slots with small ranged reads: it costs time, not RAM.
//
// Appends go to the newest segment, one Storage.append each (a new segment's first slot with
// Storage.write). A segment is never appended to after something that does not check out (a torn tail
// found at boot, a failed write): the next record starts a new segment. Acknowledgements are written to
// the metadata (one small write per ack), never into segments; a segment whose records are all
// acknowledged is deleted, except the newest. When the ring is full, a new segment takes the oldest one's
// place: its unacknowledged records are counted as drops in the metadata first, then its file goes.
//
// Sequence numbers are never reused (a back end deduplicates by seq, so a reused number would lose a
// reading):
//   - a number is spent before its slot is written, and every position of a segment file, torn or not,
//     counts as spent at the next boot (next = first + positions);
//   - before a number at or above the reservation `seqLimit` is handed out, both metadata copies are written
//     with seqLimit = that seq + segmentRecords and the first seq of the segment receiving it
//     (`currentFirst`). So every number ever handed out is below seqLimit, in either copy, and every one at
//     or above currentFirst is in that segment;
//   - at boot, next = the highest of: every segment's end, the acknowledged marks + 1, and seqLimit unless the
//     segment starting at currentFirst is there (then its own end bounds the numbers handed out);
//   - the newest segment is kept even when everything in it is acknowledged.
// Hence: damaged or lost metadata leaves the newest segment to go by; a damaged or lost newest segment
// leaves the reservation in either metadata copy; a torn tail spends its position. So any one file alone
// is enough, unless it is an older segment: losing both metadata copies and the newest segment is the one
// loss this cannot cover (numbers above the survivors would be handed out again).
//
// Power loss at any byte of any write loses nothing stored and reorders nothing: a torn append leaves a
// partial slot that fails its check (and spends its number); a torn metadata write leaves the other copy,
// i.e. the state before that operation, in which every segment file still on flash is consistent (the
// metadata is always written before the files it allows to go are deleted, and before the first slot a new
// reservation covers). Records are never moved or rewritten, and numbers only grow, so order is kept.
import { CodedError } from "../mqtt/common/coded-error.js";
import type { Storage } from "../platform/ports.js";
import { OutboxMeta } from "./outbox-meta.js";
import { OutboxPage } from "./outbox-page.js";
import { SegmentTable } from "./outbox-segments.js";
import { scanSlots, SLOT_OVERHEAD, SLOT_PAYLOAD, writeSlot } from "./outbox-slot.js";

export { OutboxPage } from "./outbox-page.js";

export type OutboxErrorCode = "wrong-size" | "invalid-range" | "invalid-options";

export class OutboxError extends CodedError<OutboxErrorCode> {
  override readonly name: string = "OutboxError";
}

export interface OutboxOptions {
  storage: Storage;
  /** Payload bytes of every record, 1..65535 (a slot takes 9 more). */
  recordBytes: number;
  /** File name prefix (default "outbox"): segments `<name>.s<k>`, metadata `<name>.m0` and `<name>.m1`. */
  name?: string;
  /** Bound on the segment files' bytes (default 786432, 768 KiB): the ring has maxBytes / segment bytes
   *  files, at least 2. The metadata takes at most 2 x (40 + 8 x ackRanges) bytes on top. */
  maxBytes?: number;
  /** Slots per segment file (default 512). */
  segmentRecords?: number;
  /** Acknowledged ranges kept above the acknowledged-through mark (default 8, at most 255). */
  ackRanges?: number;
  /** Most records one read() returns (default 16): the size of the page it fills. */
  pageRecords?: number;
}

/** What opening found on storage. */
export interface OutboxRecovery {
  /** Unacknowledged records carried over. */
  records: number;
  /** Segment files in use after opening. */
  segments: number;
  /** Slots found damaged or torn that had not been counted before (added to `damaged`). */
  damagedSlots: number;
  /** The newest segment ended in a slot that does not check out (a power loss mid-append): appends go to a
   *  new segment. */
  tornTail: boolean;
  /** The metadata was lost (no copy checks out, or none is left beside segment files): acknowledgements and
   *  the drop and damage counts restarted from the segments; records acknowledged before go again. */
  metadataLost: boolean;
  /** Unacknowledged records dropped while opening: the ring got smaller, or the record size changed. */
  dropped: number;
  /** Files of the outbox's first format (`<name>.0`, `<name>.1`) found and deleted. */
  legacyFiles: number;
}

const DEFAULT_MAX_BYTES = 768 * 1024;
const DEFAULT_SEGMENT_RECORDS = 512;
const DEFAULT_ACK_RANGES = 8;
const DEFAULT_PAGE_RECORDS = 16;
/** Looking for segment files past the ring (left by a larger one) stops at the first missing name or here. */
const MAX_FILES = 4096;

function option(name: string, value: number, min: number, max: number): number {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new OutboxError("invalid-options", `outbox ${name} must be an integer from ${min} to ${max}, not ${value}`);
  }
  return value;
}

/** What a boot scan found in one segment file. */
interface SegmentScan {
  /** Sequence number of position 0, or -1 when no slot checks out. */
  first: number;
  positions: number;
  /** Unacknowledged positions that do not check out. */
  invalid: number;
  /** ...of which not counted at an earlier boot. */
  damagedNew: number;
  /** Unacknowledged records that check out. */
  unacked: number;
  /** The last position holds a whole slot that checks out. */
  lastValid: boolean;
}

export class Outbox {
  readonly recordBytes: number;
  readonly segmentRecords: number;
  /** Segment files in the ring. */
  readonly segmentFiles: number;
  readonly recovery: OutboxRecovery;
  /** The first sequence number of this boot: records below it were stored before the last restart. */
  readonly bootSeq: number;
  #storage: Storage;
  #name: string;
  #meta: OutboxMeta;
  #table: SegmentTable;
  #page: OutboxPage;
  #slot: Uint8Array;
  #nextSeq = 1;
  #count = 0;
  /** The file appends go to, or -1: the next append starts a segment. */
  #writable = -1;

  constructor(options: OutboxOptions) {
    this.#storage = options.storage;
    this.#name = options.name ?? "outbox";
    this.recordBytes = option("recordBytes", options.recordBytes, 1, 0xffff);
    this.segmentRecords = option("segmentRecords", options.segmentRecords ?? DEFAULT_SEGMENT_RECORDS, 1, 0xffffff);
    const segmentBytes = this.segmentRecords * (SLOT_OVERHEAD + this.recordBytes);
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.segmentFiles = Math.floor(maxBytes / segmentBytes);
    if (!(this.segmentFiles >= 2 && this.segmentFiles <= MAX_FILES)) {
      throw new OutboxError("invalid-options", `outbox maxBytes ${maxBytes} holds ${this.segmentFiles} segments of ${segmentBytes} bytes; 2 to ${MAX_FILES} are needed`);
    }
    this.#meta = new OutboxMeta(this.#storage, this.#name, option("ackRanges", options.ackRanges ?? DEFAULT_ACK_RANGES, 1, 255));
    this.#page = new OutboxPage(option("pageRecords", options.pageRecords ?? DEFAULT_PAGE_RECORDS, 1, 0xffff), this.recordBytes);
    this.#slot = new Uint8Array(SLOT_OVERHEAD + this.recordBytes);
    this.#table = new SegmentTable(0);
    this.recovery = this.open();
    this.bootSeq = this.#nextSeq;
  }

  /** Records the ring holds before the oldest are dropped (fewer while a torn tail left a segment short). */
  get capacity(): number {
    return this.segmentFiles * this.segmentRecords;
  }
  /** Unacknowledged records. */
  get count(): number {
    return this.#count;
  }
  /** Records dropped unacknowledged (the ring was full), since the outbox was created. */
  get drops(): number {
    return this.#meta.drops;
  }
  /** Slots found damaged or torn, since the outbox was created. */
  get damaged(): number {
    return this.#meta.damaged;
  }
  /** The sequence number the next append gets. Never reused, across restarts. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /**
   * Stores a payload of exactly recordBytes durably and returns its sequence number. A payload of another
   * size is an OutboxError ("wrong-size") and stores nothing. When the ring is full, the oldest segment's
   * records are dropped first (counted in `drops`).
   */
  append(payload: Uint8Array): number {
    if (!(payload instanceof Uint8Array) || payload.length !== this.recordBytes) {
      const size = payload instanceof Uint8Array ? `${payload.length} bytes` : typeof payload;
      throw new OutboxError("wrong-size", `an outbox record is ${this.recordBytes} bytes, not ${size}`);
    }
    const table = this.#table;
    const meta = this.#meta;
    let file = this.#writable;
    if (file < 0 || table.positions(file) >= this.segmentRecords) file = this.startSegment();
    else if (this.#nextSeq >= meta.seqLimit) this.reserve(table.first(file));
    const seq = this.#nextSeq++; // spent before the write: whatever reaches the flash never shares it
    const positions = table.positions(file);
    writeSlot(this.#slot, seq, payload);
    try {
      if (positions === 0) this.#storage.write(this.segmentName(file), this.#slot);
      else this.#storage.append(this.segmentName(file), this.#slot);
    } catch (error) {
      this.#writable = -1; // what the failed write left is never appended to
      if (positions === 0) table.remove(file);
      throw error;
    }
    table.setPositions(file, positions + 1);
    this.#count++;
    if (positions === 0) this.deleteAcknowledged(); // the previous newest segment is no longer needed for seq
    return seq;
  }

  /**
   * Marks records first..last (inclusive) acknowledged; sequence numbers not stored (never, no longer, or
   * already acknowledged) are ignored. Returns how many records it removed. Writes the metadata once. When
   * the acknowledged ranges are full, the highest is given up (or this one, when it would be the highest:
   * then 0): those records stay and are read again, a duplicate rather than a loss.
   */
  ack(first: number, last = first): number {
    if (!(Number.isInteger(first) && Number.isInteger(last) && first >= 0 && last >= first)) {
      throw new OutboxError("invalid-range", `invalid acknowledgement range ${first}..${last}`);
    }
    const acks = this.#meta.acks;
    const lo = Math.max(first, acks.through + 1);
    const hi = Math.min(last, this.#nextSeq - 1);
    if (lo > hi) return 0;
    const removed = this.countUnacked(lo, hi, false);
    if (removed === 0 || !acks.add(lo, hi)) return 0;
    this.#count -= removed;
    if (acks.evictedFirst <= acks.evictedLast) this.#count += this.countUnacked(acks.evictedFirst, acks.evictedLast, false);
    this.normalize();
    this.save();
    this.deleteAcknowledged();
    return removed;
  }

  /**
   * Up to `max` (at most pageRecords) unacknowledged records with seq > afterSeq, oldest first, in a page
   * the outbox owns: the next read() reuses it. Acknowledged records are skipped without reading them; the
   * slots read are those returned and damaged ones among them.
   */
  read(afterSeq = 0, max = this.#page.capacity): OutboxPage {
    if (!(Number.isInteger(afterSeq) && Number.isInteger(max) && max >= 0)) {
      throw new OutboxError("invalid-range", `invalid outbox read after ${afterSeq}, max ${max}`);
    }
    const page = this.#page;
    const table = this.#table;
    const acks = this.#meta.acks;
    page.clear();
    const limit = Math.min(max, page.capacity);
    const from = Math.max(afterSeq + 1, acks.through + 1);
    for (let i = 0; i < table.length && page.length < limit; i++) {
      const file = table.file(i);
      const end = table.end(file);
      let seq = Math.max(from, table.first(file));
      while (seq < end && page.length < limit) {
        const k = acks.indexAfter(seq);
        if (k < acks.length && acks.first(k) <= seq) {
          seq = acks.last(k) + 1;
          continue;
        }
        const runEnd = Math.min(end, k < acks.length ? acks.first(k) : end, seq + limit - page.length);
        this.readRun(file, seq, runEnd);
        seq = runEnd;
      }
    }
    return page;
  }

  private segmentName(file: number): string {
    return `${this.#name}.s${file}`;
  }

  /** Pages the valid slots of seqs [from, to) of a file in; a slot found damaged now is counted once. */
  private readRun(file: number, from: number, to: number): void {
    const first = this.#table.first(file);
    const page = this.#page;
    scanSlots(this.#storage, this.segmentName(file), this.recordBytes, from - first, to - first, (index, seq, bytes, at) => {
      if (seq === first + index) page.push(seq, bytes, at + SLOT_PAYLOAD);
      else if (!this.#table.verify(file)) {
        // Damaged since the boot scan: no longer counted as stored; the file's records are counted by
        // reading from now on (a second damaged slot in it is found at the next boot).
        this.#table.markVerify(file);
        this.#count--;
        this.#meta.damaged++;
        this.#meta.checkedThrough = Math.max(this.#meta.checkedThrough, first + index);
      }
      return true;
    });
  }

  /** Unacknowledged records that check out among seqs [lo, hi]; with `any`, stops at the first. */
  private countUnacked(lo: number, hi: number, any: boolean): number {
    const table = this.#table;
    let total = 0;
    for (let i = 0; i < table.length; i++) {
      const file = table.file(i);
      if (table.first(file) > hi) break; // oldest first: the rest are above
      if (table.end(file) <= lo) continue;
      total += this.unackedIn(file, lo, hi, any);
      if (any && total > 0) return total;
    }
    return total;
  }

  /** The same within one file. */
  private unackedIn(file: number, lo: number, hi: number, any: boolean): number {
    const table = this.#table;
    const acks = this.#meta.acks;
    const end = Math.min(hi, table.end(file) - 1);
    let total = 0;
    let seq = Math.max(lo, table.first(file), acks.through + 1);
    while (seq <= end) {
      const k = acks.indexAfter(seq);
      if (k < acks.length && acks.first(k) <= seq) {
        seq = acks.last(k) + 1;
        continue;
      }
      const runEnd = k < acks.length ? Math.min(end, acks.first(k) - 1) : end;
      total += table.verify(file) ? this.countValid(file, seq, runEnd, any) : runEnd - seq + 1;
      if (any && total > 0) return total;
      seq = runEnd + 1;
    }
    return total;
  }

  /** Slots of seqs [lo, hi] in a file that check out (read from flash). */
  private countValid(file: number, lo: number, hi: number, any: boolean): number {
    const first = this.#table.first(file);
    let n = 0;
    scanSlots(this.#storage, this.segmentName(file), this.recordBytes, lo - first, hi - first + 1, (index, seq) => {
      if (seq === first + index) n++;
      return !(any && n > 0);
    });
    return n;
  }

  /**
   * Compacts the acknowledged state without changing which records it covers: the mark moves over what
   * holds nothing unacknowledged (seqs never stored, deleted or damaged), neighbouring ranges join.
   */
  private normalize(): void {
    const acks = this.#meta.acks;
    if (this.#count === 0) {
      acks.raise(this.#nextSeq - 1);
      return;
    }
    while (acks.length > 0 && this.countUnacked(acks.through + 1, acks.first(0) - 1, true) === 0) acks.raise(acks.last(0));
    for (let i = acks.length - 2; i >= 0; i--) {
      if (this.countUnacked(acks.last(i) + 1, acks.first(i + 1) - 1, true) === 0) acks.join(i);
    }
  }

  /** Deletes the segments (but the newest) that hold nothing unacknowledged. Their state is on flash. */
  private deleteAcknowledged(): void {
    const table = this.#table;
    let deleted = false;
    for (let i = table.length - 2; i >= 0; i--) {
      const file = table.file(i);
      if (this.unackedIn(file, table.first(file), table.end(file) - 1, true) > 0) continue;
      this.#storage.delete(this.segmentName(file));
      table.remove(file);
      deleted = true;
    }
    if (deleted) this.normalize(); // in RAM; written with the next change
  }

  /** Reserves sequence numbers from nextSeq on for the segment starting at `first`, in both metadata copies. */
  private reserve(first: number): void {
    this.#meta.currentFirst = first;
    this.#meta.seqLimit = this.#nextSeq + this.segmentRecords;
    this.save(true);
  }

  /** Makes room for a segment starting at nextSeq (dropping the oldest when the ring is full). */
  private startSegment(): number {
    const table = this.#table;
    const meta = this.#meta;
    let dropped = -1;
    if (table.length >= this.segmentFiles) {
      dropped = table.file(0);
      const lost = this.unackedIn(dropped, table.first(dropped), table.end(dropped) - 1, false);
      meta.drops += lost;
      this.#count -= lost;
      meta.acks.raise(table.end(dropped) - 1);
      table.remove(dropped);
      this.normalize();
    }
    const file = table.free(this.segmentFiles);
    this.reserve(this.#nextSeq); // also records the drops, before the file goes
    if (dropped >= 0) this.#storage.delete(this.segmentName(dropped));
    table.add(file, this.#nextSeq, 0, false);
    this.#writable = file;
    return file;
  }

  private save(both = false): void {
    const table = this.#table;
    let files = this.segmentFiles;
    for (let i = 0; i < table.length; i++) files = Math.max(files, table.file(i) + 1);
    this.#meta.files = files;
    this.#meta.recordBytes = this.recordBytes;
    this.#meta.save(both);
  }

  /** Scans one segment file at boot: where it starts, what checks out, what is unacknowledged. */
  private scan(name: string, size: number, recordBytes: number, mark: number): SegmentScan {
    const acks = this.#meta.acks;
    const positions = Math.ceil(size / (SLOT_OVERHEAD + recordBytes));
    const scan: SegmentScan = { first: -1, positions, invalid: 0, damagedNew: 0, unacked: 0, lastValid: false };
    let found = -1;
    scanSlots(this.#storage, name, recordBytes, 0, positions, (index, seq) => {
      if (seq <= index) return true; // does not check out (or would put a seq below 1 at position 0)
      found = index;
      scan.first = seq - index;
      return false;
    });
    if (found < 0) {
      scan.invalid = scan.damagedNew = positions;
      return scan;
    }
    const first = scan.first;
    const count = (seq: number, valid: boolean) => {
      if (acks.contains(seq)) return;
      if (valid) scan.unacked++;
      else {
        scan.invalid++;
        if (seq > mark) scan.damagedNew++;
      }
    };
    for (let index = 0; index <= found; index++) count(first + index, index === found);
    scan.lastValid = found === positions - 1;
    // Acknowledged positions need no reading, except the last one (may it be appended to?).
    const from = Math.max(found + 1, acks.through + 1 - first, 0);
    const visit = (index: number, seq: number) => {
      const valid = seq === first + index;
      if (index >= from) count(first + index, valid);
      if (index === positions - 1) scan.lastValid = valid;
      return true;
    };
    scanSlots(this.#storage, name, recordBytes, from, positions, visit);
    if (from >= positions && found < positions - 1) scanSlots(this.#storage, name, recordBytes, positions - 1, positions, visit);
    return scan;
  }

  private open(): OutboxRecovery {
    const recovery: OutboxRecovery = { records: 0, segments: 0, damagedSlots: 0, tornTail: false, metadataLost: false, dropped: 0, legacyFiles: 0 };
    const storage = this.#storage;
    // The first format's files are not read (docs/telemetry.md); they are deleted to free the flash.
    for (const legacy of [`${this.#name}.0`, `${this.#name}.1`]) {
      if (storage.size(legacy) === undefined) continue;
      storage.delete(legacy);
      recovery.legacyFiles++;
    }
    const meta = this.#meta;
    const acks = meta.acks;
    const loaded = meta.load();
    const before = loaded === "loaded" ? meta.encode().slice() : undefined;
    let files = Math.max(this.segmentFiles, loaded === "loaded" ? meta.files : 0);
    while (files < MAX_FILES && storage.size(this.segmentName(files)) !== undefined) files++;
    const table = (this.#table = new SegmentTable(files));
    // Segments are read with the record size they were written with; another one is dropped below.
    const recordBytes = loaded === "loaded" ? meta.recordBytes : this.recordBytes;
    const mark = Math.max(meta.checkedThrough, acks.through);
    // Per file, for this boot only: unacknowledged records, whether it ends in a whole valid slot, whether it goes.
    const unacked = new Uint32Array(files);
    const clean = new Uint8Array(files);
    const remove = new Uint8Array(files);
    let removing = false;
    let damagedNew = 0;
    for (let file = 0; file < files; file++) {
      const name = this.segmentName(file);
      const size = storage.size(name);
      if (size === undefined) continue;
      const scan = this.scan(name, size, recordBytes, mark);
      if (scan.first < 0 || !table.add(file, scan.first, scan.positions, scan.invalid > 0)) {
        // Nothing in it checks out (e.g. a new segment's first append torn), or it overlaps another file
        // (never written so): unreadable, its positions counted as damage.
        damagedNew += scan.positions;
        if (size < SLOT_OVERHEAD + recordBytes) recovery.tornTail = true;
        remove[file] = 1;
        removing = true;
        continue;
      }
      damagedNew += scan.damagedNew;
      unacked[file] = scan.unacked;
      clean[file] = scan.lastValid && size % (SLOT_OVERHEAD + recordBytes) === 0 ? 1 : 0;
    }
    recovery.metadataLost = loaded === "lost" || (loaded === "missing" && (table.length > 0 || removing));

    // The next sequence number: past every position on flash, past anything acknowledged, and past the
    // reservation unless the segment it was made for is here to go by.
    let next = acks.through + 1;
    if (acks.length > 0) next = Math.max(next, acks.last(acks.length - 1) + 1);
    let current = false;
    for (let i = 0; i < table.length; i++) {
      const file = table.file(i);
      next = Math.max(next, table.end(file));
      if (table.first(file) === meta.currentFirst) current = true;
    }
    if (loaded === "loaded" && !current) next = Math.max(next, meta.seqLimit);
    this.#nextSeq = next;
    meta.seqLimit = Math.max(meta.seqLimit, next);
    const newest = table.length > 0 ? table.file(table.length - 1) : -1;
    if (newest >= 0 && clean[newest] === 0) recovery.tornTail = true;

    // What goes: segments of another record size (dropped), segments with nothing unacknowledged (but the
    // newest), and the oldest while there are more than the ring holds (dropped).
    const drop = (file: number) => {
      meta.drops += unacked[file];
      recovery.dropped += unacked[file];
      acks.raise(table.end(file) - 1);
      unacked[file] = 0;
    };
    for (let i = table.length - 1; i >= 0; i--) {
      const file = table.file(i);
      if (recordBytes !== this.recordBytes) drop(file);
      else if (unacked[file] > 0 || file === newest) continue;
      remove[file] = 1;
      removing = true;
      table.remove(file);
    }
    while (table.length > this.segmentFiles) {
      const file = table.file(0);
      drop(file);
      remove[file] = 1;
      removing = true;
      table.remove(file);
    }
    for (let i = 0; i < table.length; i++) this.#count += unacked[table.file(i)];
    if (damagedNew > 0) {
      meta.damaged += damagedNew;
      meta.checkedThrough = next - 1;
      recovery.damagedSlots = damagedNew;
    }
    this.normalize();
    // Written before any file goes, and only when opening changed something.
    meta.recordBytes = this.recordBytes;
    if (before === undefined ? table.length > 0 || removing : !sameBytes(before, meta.encode())) this.save();
    for (let file = 0; file < files; file++) if (remove[file]) storage.delete(this.segmentName(file));
    const last = table.length > 0 ? table.file(table.length - 1) : -1;
    this.#writable = last >= 0 && clean[last] === 1 && table.end(last) === next ? last : -1;
    recovery.records = this.#count;
    recovery.segments = table.length;
    return recovery;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
