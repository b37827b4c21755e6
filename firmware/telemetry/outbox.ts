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
// RAM: the live payloads are kept in memory (the port has no ranged read), so RAM use is about maxBytes.

import type { Storage } from "../platform/ports.js";
import {
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameType,
  MAX_FRAME_PAYLOAD,
  payloadU32,
  rangePayload,
  scanFrames,
} from "./outbox-frame.js";

export type OutboxErrorCode = "record-too-large" | "invalid-range";

export class OutboxError extends Error {
  readonly code: OutboxErrorCode;
  constructor(code: OutboxErrorCode, message: string) {
    super(message);
    this.name = "OutboxError";
    this.code = code;
  }
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

export interface OutboxRecord {
  seq: number;
  payload: Uint8Array;
}

/** What opening found on storage. */
export interface OutboxRecovery {
  /** Unacknowledged records carried over from before the restart. */
  records: number;
  /** Bytes that were not part of a valid frame (torn tail or damage), discarded. */
  discardedBytes: number;
  tornTail: boolean;
  /** No committed file was found although some file had content (e.g. a damaged header). */
  headerLost: boolean;
}

const FILE_OVERHEAD = 2 * FRAME_HEADER_BYTES + 8; // Header (with its 8-byte payload) + Commit

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
  records: OutboxRecord[];
  discardedBytes: number;
  tornTail: boolean;
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
  #records: OutboxRecord[] = [];
  #liveBytes = 0;
  #fileBytes = 0;
  #file: 0 | 1 = 0;
  #fileExists = false;
  #generation = 0;
  #nextSeq = 1;
  #drops = 0;

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
    return this.#records.length;
  }
  /** Framed bytes of the unacknowledged records (what maxBytes bounds). */
  get bytes(): number {
    return this.#liveBytes;
  }
  /** Size of the live file, including acknowledged records not yet compacted away. */
  get fileBytes(): number {
    return this.#fileBytes;
  }
  /** Records dropped (oldest first) to stay within maxBytes, since the outbox was first created. */
  get drops(): number {
    return this.#drops;
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
    let dropCount = 0;
    let freed = 0;
    while (this.#liveBytes - freed + frameBytes > this.maxBytes) {
      freed += FRAME_HEADER_BYTES + this.#records[dropCount].payload.length;
      dropCount++;
    }
    if (dropCount > 0) {
      const first = this.#records[0].seq;
      const last = this.#records[dropCount - 1].seq;
      this.#appendFrame(encodeFrame(FrameType.Drop, first, rangePayload(last)));
      this.#records.splice(0, dropCount);
      this.#liveBytes -= freed;
      this.#drops += dropCount;
    }
    const seq = this.#nextSeq;
    this.#appendFrame(encodeFrame(FrameType.Record, seq, payload));
    this.#records.push({ seq, payload: payload.slice() });
    this.#liveBytes += frameBytes;
    this.#nextSeq = (seq + 1) >>> 0;
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
    let removed = 0;
    for (const r of this.#records) if (r.seq >= first && r.seq <= last) removed++;
    if (removed === 0) return 0;
    this.#appendFrame(encodeFrame(FrameType.Ack, first, rangePayload(last)));
    this.#remove(first, last);
    this.#maybeCompact();
    return removed;
  }

  /** Up to `max` of the oldest unacknowledged records with seq > afterSeq, in order. */
  peek(max = Infinity, afterSeq = -1): OutboxRecord[] {
    const out: OutboxRecord[] = [];
    for (const r of this.#records) {
      if (out.length >= max) break;
      if (r.seq > afterSeq) out.push(r);
    }
    return out;
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

  #remove(first: number, last: number): number {
    let removed = 0;
    const kept: OutboxRecord[] = [];
    for (const r of this.#records) {
      if (r.seq >= first && r.seq <= last) {
        this.#liveBytes -= FRAME_HEADER_BYTES + r.payload.length;
        removed++;
      } else kept.push(r);
    }
    this.#records = kept;
    return removed;
  }

  #snapshot(generation: number): Uint8Array {
    const header = new Uint8Array(8);
    const view = new DataView(header.buffer);
    view.setUint32(0, generation);
    view.setUint32(4, this.#drops);
    const parts = [encodeFrame(FrameType.Header, this.#nextSeq, header)];
    for (const r of this.#records) parts.push(encodeFrame(FrameType.Record, r.seq, r.payload));
    parts.push(encodeFrame(FrameType.Commit, generation));
    let total = 0;
    for (const p of parts) total += p.length;
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Replays one file's frames into the state they describe. */
  #load(index: 0 | 1, buffer: ArrayBuffer): FileState {
    const scan = scanFrames(new Uint8Array(buffer));
    const state: FileState = {
      index,
      generation: 0,
      committed: false,
      nextSeq: 1,
      drops: 0,
      records: [],
      discardedBytes: scan.discardedBytes,
      tornTail: scan.tornTail,
      bytes: buffer.byteLength,
    };
    const live = new Map<number, Uint8Array>();
    const frames = scan.frames;
    let i = 0;
    if (frames.length > 0 && frames[0].type === FrameType.Header && frames[0].payload.length === 8) {
      state.nextSeq = frames[0].seq;
      state.generation = payloadU32(frames[0].payload, 0);
      state.drops = payloadU32(frames[0].payload, 4);
      i = 1;
    }
    const bump = (seq: number) => {
      if (!newer(state.nextSeq, seq)) state.nextSeq = (seq + 1) >>> 0;
    };
    for (; i < frames.length; i++) {
      const f = frames[i];
      if (f.type === FrameType.Commit) {
        if (i > 0 && frames[0].type === FrameType.Header && f.seq === state.generation) state.committed = true;
      } else if (f.type === FrameType.Record) {
        live.set(f.seq, f.payload.slice());
        bump(f.seq);
      } else if ((f.type === FrameType.Ack || f.type === FrameType.Drop) && f.payload.length === 4) {
        const last = payloadU32(f.payload, 0);
        for (const seq of [...live.keys()]) {
          if (seq >= f.seq && seq <= last) {
            live.delete(seq);
            if (f.type === FrameType.Drop) state.drops++;
          }
        }
        bump(last);
      }
    }
    // Records were appended in sequence order; a Map keeps insertion order, so this is replay order.
    for (const [seq, payload] of live) state.records.push({ seq, payload });
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
      for (const s of states) if (s.records.length > 0 || s.bytes > 0) headerLost = true;
      for (const s of states) if (!chosen || s.records.length > chosen.records.length) chosen = s;
    }
    let discardedBytes = 0;
    let tornTail = false;
    if (chosen) {
      this.#records = chosen.records;
      for (const r of chosen.records) this.#liveBytes += FRAME_HEADER_BYTES + r.payload.length;
      this.#nextSeq = chosen.nextSeq;
      this.#drops = chosen.drops;
      this.#generation = chosen.generation;
      this.#file = chosen.index;
      this.#fileExists = true;
      this.#fileBytes = chosen.bytes;
      discardedBytes = chosen.discardedBytes;
      tornTail = chosen.tornTail;
      // Sequence numbers stay monotonic even if the other file saw later ones.
      for (const s of states) if (newer(s.nextSeq, this.#nextSeq)) this.#nextSeq = s.nextSeq;
    }
    // Enforce the bound in case maxBytes shrank since the records were stored (persisted by the compaction).
    const overBound = this.#liveBytes > this.maxBytes;
    while (this.#liveBytes > this.maxBytes) {
      const r = this.#records.shift() as OutboxRecord;
      this.#liveBytes -= FRAME_HEADER_BYTES + r.payload.length;
      this.#drops++;
    }
    const clean = chosen !== undefined && chosen.committed && discardedBytes === 0 && states.length === 1 && !overBound;
    if (!clean || this.#fileBytes > this.compactBytes) {
      // Start from a clean committed snapshot. Compaction overwrites the other file and deletes the
      // chosen one, so this also discards a torn tail and a stale or half-written second file.
      this.compact();
    }
    return { records: this.#records.length, discardedBytes, tornTail, headerLost };
  }
}
