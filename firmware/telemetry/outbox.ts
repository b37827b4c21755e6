// The store-and-forward outbox: every reading is stored before it is published and removed only once the
// broker acknowledged it, so a reset, a power loss or a long outage loses nothing that fits in the bound.
//
// Layout on the Storage port (two files, `<name>.0` and `<name>.1`; one is live at a time):
//   Header(next seq, generation, drops)  Record...  Commit(generation)    <- one Storage.write (a snapshot)
//   Record | Ack(range) | Drop(range) ...                                 <- one Storage.append per change
// Acks and drops are small append-only markers, so an acknowledgement never rewrites what is stored
// (flash wears per erase, and littlefs rewrites a whole file on a full write). When the file grows past
// `compactBytes`, the live records are written as a new snapshot into the *other* file, which ends with a
// Commit frame; only then is the old file deleted. A power loss during compaction therefore leaves either
// the old file alone or both files, and the higher committed generation wins. The port has no rename,
// so this A/B scheme is what makes compaction atomic.
//
// What it stores: opaque payloads (the app stores one encoded reading per record, see reading.ts), not
// encoded batches. Readings keep batching a send-time decision: after a reboot or a config change the
// batch size and payload format (JSON/CBOR) are recomputed, a batch refused for size can be split, and a
// dropped record costs one reading rather than a whole batch.
//
// RAM: the live payloads are kept in memory (the port has no ranged read), packed (outbox-index.ts): about
// 1.5 x their size. Opening reads a file whole once and replays it without an object per frame.
import { CodedError } from "../common/coded-error.js";

import type { Storage } from "../platform/ports.js";
import {
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameType,
  MAX_FRAME_PAYLOAD,
  rangePayload,
  readU32,
  scanFrames,
  writeFrame,
} from "./outbox-frame.js";
import { RecordIndex, type OutboxRecord } from "./outbox-index.js";

export type { OutboxRecord } from "./outbox-index.js";

export type OutboxErrorCode = "record-too-large" | "invalid-range";

export class OutboxError extends CodedError<OutboxErrorCode> {
  override readonly name: string = "OutboxError";
}

export interface OutboxOptions {
  storage: Storage;
  /** File name prefix (default "outbox"); the files are `<name>.0` and `<name>.1`. */
  name?: string;
  /** Bound on the stored records, counted as framed bytes (default 16384). Oldest records are dropped first. */
  maxBytes?: number;
  /** Compact when the live file exceeds this many bytes (default 2 * maxBytes + 64). */
  compactBytes?: number;
}

/** What opening found on storage. */
export interface OutboxRecovery {
  /** Unacknowledged records carried over from before the restart. */
  records: number;
  /** Bytes that were not part of a valid frame (torn tail or damage), discarded. */
  discardedBytes: number;
  /** Runs of such bytes: frames lost to a torn write or damage (each run is one or more frames). */
  damagedRegions: number;
  tornTail: boolean;
  /** No committed file was found although some file had content (e.g. a damaged header). */
  headerLost: boolean;
}

const HEADER_PAYLOAD = 12; // generation, drops, damaged (files from before damage was counted: 8)
const FILE_OVERHEAD = 2 * FRAME_HEADER_BYTES + HEADER_PAYLOAD; // Header + Commit

/** Serial-number comparison of u32 generations (RFC 1982 style), so wrap-around still orders them. */
function newer(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

interface FileState {
  index: 0 | 1;
  generation: number;
  committed: boolean;
  nextSeq: number;
  drops: number;
  damaged: number;
  records: RecordIndex;
  discardedBytes: number;
  damagedRegions: number;
  tornTail: boolean;
  tailBytes: number;
  bytes: number;
}

export class Outbox {
  readonly recovery: OutboxRecovery;
  /** The first sequence number of this boot: records below it were stored before the last restart. */
  readonly bootSeq: number;
  readonly maxBytes: number;
  readonly compactBytes: number;
  #storage: Storage;
  #name: string;
  #records = new RecordIndex();
  #fileBytes = 0;
  #file: 0 | 1 = 0;
  #fileExists = false;
  #generation = 0;
  #nextSeq = 1;
  #drops = 0;
  #damaged = 0;

  constructor(options: OutboxOptions) {
    this.#storage = options.storage;
    this.#name = options.name ?? "outbox";
    this.maxBytes = options.maxBytes ?? 16384;
    if (!(this.maxBytes >= FRAME_HEADER_BYTES + 1)) throw new RangeError("outbox maxBytes too small");
    this.compactBytes = options.compactBytes ?? 2 * this.maxBytes + 64;
    if (!(this.compactBytes >= this.maxBytes + FILE_OVERHEAD)) throw new RangeError("outbox compactBytes below maxBytes + overhead");
    this.recovery = this.#open();
    this.bootSeq = this.#nextSeq;
  }

  /** Number of unacknowledged records. */
  get count(): number {
    return this.#records.count;
  }
  /** Framed bytes of the unacknowledged records (what maxBytes bounds). */
  get bytes(): number {
    return this.#liveBytes();
  }
  /** Size of the live file, including acknowledged records not yet compacted away. */
  get fileBytes(): number {
    return this.#fileBytes;
  }
  /** Records dropped (oldest first) to stay within maxBytes, since the outbox was first created. */
  get drops(): number {
    return this.#drops;
  }
  /** Stretches of storage found torn or damaged at a start (each lost one or more frames), since the
   *  outbox was first created. */
  get damaged(): number {
    return this.#damaged;
  }
  /** The sequence number the next append gets. Monotonic across restarts. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /**
   * Stores a payload durably and returns its sequence number. Drops the oldest records when the bound
   * would be exceeded (persisted as a Drop marker first, so a replay drops the same ones).
   */
  append(payload: Uint8Array): number {
    const frameBytes = FRAME_HEADER_BYTES + payload.length;
    if (payload.length > MAX_FRAME_PAYLOAD || frameBytes > this.maxBytes) {
      throw new OutboxError("record-too-large", `record of ${payload.length} bytes does not fit the outbox bound of ${this.maxBytes}`);
    }
    // Oldest first: find the prefix of records whose frames must go for the new one to fit.
    let over = this.#liveBytes() + frameBytes - this.maxBytes;
    let first = -1;
    let last = -1;
    if (over > 0) {
      this.#records.forEach((seq, _bytes, start, end) => {
        if (first < 0) first = seq;
        last = seq;
        over -= FRAME_HEADER_BYTES + end - start;
        return over > 0;
      });
      this.#appendFrame(encodeFrame(FrameType.Drop, first, rangePayload(last)));
      this.#drops += this.#records.remove(first, last);
    }
    // The sequence number is spent before the write: if the write fails part way, whatever reached the
    // flash (the whole frame, even) never shares its number with a later record.
    const seq = this.#nextSeq;
    this.#nextSeq = (seq + 1) >>> 0;
    this.#appendFrame(encodeFrame(FrameType.Record, seq, payload));
    this.#records.append(seq, payload);
    this.#maybeCompact();
    return seq;
  }

  /**
   * Marks records first..last (inclusive) acknowledged and forgets them. Sequence numbers no longer
   * stored (already acknowledged or dropped) are ignored. Returns how many records were removed.
   */
  ack(first: number, last = first): number {
    if (!(Number.isInteger(first) && Number.isInteger(last) && first >= 0 && last >= first)) {
      throw new OutboxError("invalid-range", `invalid acknowledgement range ${first}..${last}`);
    }
    const [next] = this.#records.peek(1, first - 1);
    if (!next || next.seq > last) return 0;
    this.#appendFrame(encodeFrame(FrameType.Ack, first, rangePayload(last)));
    const removed = this.#records.remove(first, last);
    this.#maybeCompact();
    return removed;
  }

  /** Up to `max` of the oldest unacknowledged records with seq > afterSeq, in order. */
  peek(max = Infinity, afterSeq = -1): OutboxRecord[] {
    return this.#records.peek(max, afterSeq);
  }

  /** Rewrites the live records into a fresh snapshot in the other file (also done automatically). */
  compact(): void {
    const generation = (this.#generation + 1) >>> 0;
    const target: 0 | 1 = this.#file === 0 ? 1 : 0;
    const snapshot = this.#snapshot(generation);
    this.#storage.write(this.#fileName(target), snapshot);
    // The new file is committed and from now on the live one; only now may the old one go (a power loss
    // here leaves both, and the newer generation wins).
    const old = this.#file;
    const oldExists = this.#fileExists;
    this.#file = target;
    this.#fileExists = true;
    this.#generation = generation;
    this.#fileBytes = snapshot.length;
    if (oldExists) this.#storage.delete(this.#fileName(old));
  }

  #fileName(index: 0 | 1): string {
    return `${this.#name}.${index}`;
  }

  #appendFrame(frame: Uint8Array): void {
    this.#storage.append(this.#fileName(this.#file), frame);
    this.#fileBytes += frame.length;
  }

  #maybeCompact(): void {
    if (this.#fileBytes > this.compactBytes) this.compact();
  }

  #liveBytes(): number {
    return this.#records.count * FRAME_HEADER_BYTES + this.#records.payloadBytes;
  }

  /** Header, the live records and Commit as one buffer, written frame by frame in place. */
  #snapshot(generation: number): Uint8Array {
    const header = new Uint8Array(HEADER_PAYLOAD);
    const view = new DataView(header.buffer);
    view.setUint32(0, generation);
    view.setUint32(4, this.#drops);
    view.setUint32(8, this.#damaged);
    const out = new Uint8Array(FILE_OVERHEAD + this.#liveBytes());
    let at = writeFrame(out, 0, FrameType.Header, this.#nextSeq, header);
    this.#records.forEach((seq, bytes, start, end) => {
      at = writeFrame(out, at, FrameType.Record, seq, bytes, start, end);
      return true;
    });
    writeFrame(out, at, FrameType.Commit, generation);
    return out;
  }

  /** Replays one file's frames into the state they describe. */
  #load(index: 0 | 1, buffer: ArrayBuffer): FileState {
    const state: FileState = {
      index,
      generation: 0,
      committed: false,
      nextSeq: 1,
      drops: 0,
      damaged: 0,
      records: new RecordIndex(),
      discardedBytes: 0,
      damagedRegions: 0,
      tornTail: false,
      tailBytes: 0,
      bytes: buffer.byteLength,
    };
    let frame = 0;
    let hasHeader = false;
    let lastRecord = -1;
    const bump = (seq: number) => {
      if (!newer(state.nextSeq, seq)) state.nextSeq = (seq + 1) >>> 0;
    };
    const scan = scanFrames(new Uint8Array(buffer), (type, seq, bytes, start, end) => {
      const first = frame++ === 0;
      if (first && type === FrameType.Header && (end - start === 8 || end - start === HEADER_PAYLOAD)) {
        hasHeader = true;
        state.nextSeq = seq;
        state.generation = readU32(bytes, start);
        state.drops = readU32(bytes, start + 4);
        if (end - start === HEADER_PAYLOAD) state.damaged = readU32(bytes, start + 8);
      } else if (type === FrameType.Commit) {
        if (hasHeader && seq === state.generation) state.committed = true;
      } else if (type === FrameType.Record) {
        // Records are appended in sequence order; anything else is not ours to replay.
        if (seq > lastRecord) state.records.append(seq, bytes, start, end);
        lastRecord = Math.max(lastRecord, seq);
        bump(seq);
      } else if ((type === FrameType.Ack || type === FrameType.Drop) && end - start === 4) {
        const last = readU32(bytes, start);
        const removed = state.records.remove(seq, last);
        if (type === FrameType.Drop) state.drops += removed;
        bump(last);
      }
    });
    state.discardedBytes = scan.discardedBytes;
    state.damagedRegions = scan.damagedRegions;
    state.tornTail = scan.tornTail;
    state.tailBytes = scan.tailBytes;
    return state;
  }

  #open(): OutboxRecovery {
    const states: FileState[] = [];
    for (const index of [0, 1] as const) {
      const buffer = this.#storage.read(this.#fileName(index));
      if (buffer !== undefined) states.push(this.#load(index, buffer));
    }
    let chosen: FileState | undefined;
    for (const s of states) if (s.committed && (!chosen || newer(s.generation, chosen.generation))) chosen = s;
    let headerLost = false;
    if (!chosen) {
      // No committed snapshot: either a fresh device, or a damaged header. Salvage what the frames say.
      for (const s of states) if (s.records.count > 0 || s.bytes > 0) headerLost = true;
      for (const s of states) if (!chosen || s.records.count > chosen.records.count) chosen = s;
    }
    let discardedBytes = 0;
    let damagedRegions = 0;
    let tornTail = false;
    if (chosen) {
      this.#records = chosen.records;
      this.#nextSeq = chosen.nextSeq;
      this.#drops = chosen.drops;
      this.#damaged = chosen.damaged + chosen.damagedRegions;
      this.#generation = chosen.generation;
      this.#file = chosen.index;
      this.#fileExists = true;
      this.#fileBytes = chosen.bytes;
      discardedBytes = chosen.discardedBytes;
      damagedRegions = chosen.damagedRegions;
      tornTail = chosen.tornTail;
      // A torn tail may have held records whose numbers were already handed out (a write the flash lost
      // after reporting it done): skip past as many as its bytes could hold, so no number is ever reused.
      if (tornTail) this.#nextSeq = (this.#nextSeq + Math.ceil(chosen.tailBytes / FRAME_HEADER_BYTES)) >>> 0;
      // Sequence numbers stay monotonic even if the other file saw later ones.
      for (const s of states) if (newer(s.nextSeq, this.#nextSeq)) this.#nextSeq = s.nextSeq;
    }
    // Enforce the bound in case maxBytes shrank since the records were stored (persisted by the compaction).
    const overBound = this.#liveBytes() > this.maxBytes;
    while (this.#liveBytes() > this.maxBytes) {
      const [oldest] = this.#records.peek(1, -1);
      this.#drops += this.#records.remove(oldest.seq, oldest.seq);
    }
    const clean = chosen !== undefined && chosen.committed && discardedBytes === 0 && states.length === 1 && !overBound;
    if (!clean || this.#fileBytes > this.compactBytes) {
      // Start from a clean committed snapshot. Compaction overwrites the other file and deletes the
      // chosen one, so this also discards a torn tail and a stale or half-written second file.
      this.compact();
    }
    return { records: this.#records.count, discardedBytes, damagedRegions, tornTail, headerLost };
  }
}
