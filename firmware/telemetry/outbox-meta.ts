// The outbox's metadata: what is acknowledged, what was lost, and how far sequence numbers have gone. Kept
// in two files, `<name>.m0` and `<name>.m1`, written in turn with a generation number and a CRC-32: a power
// loss during a write tears at most the copy being written, and the newer copy that checks out wins, so a
// reader always finds the last complete state (or the one before it). A new sequence reservation is
// written to both copies, so that either one alone still has it.
//
//   offset 0   magic           2 bytes  0x4F 0x4D
//          2   version         1 byte   1
//          3   ranges n        1 byte
//          4   generation      u32      serial number (RFC 1982 comparison), +1 per write
//          8   recordBytes     u16      the payload size the segments were written with
//         10   files           u16      segment file names in use are below this (`<name>.s<k>`, k < files)
//         12   through         u32      every seq at or below is acknowledged or dropped
//         16   seqLimit        u32      no seq at or above it was ever handed out (the reservation)
//         20   currentFirst    u32      first seq of the segment the reservation was made for
//         24   drops           u32      records dropped unacknowledged, since the outbox was created
//         28   damaged         u32      slots found damaged or torn, since the outbox was created
//         32   checkedThrough  u32      damage at or below this seq was counted already
//         36   ranges          n x (first u32, last u32)  acknowledged ranges above `through`
//     36 + 8n  crc             u32      CRC-32 of everything before it
// All numbers big-endian.
import type { Storage } from "../platform/ports.js";
import { AckRanges } from "./outbox-acks.js";
import { crc32 } from "./crc32.js";
import { readU32, writeU32 } from "./outbox-slot.js";

const MAGIC0 = 0x4f;
const MAGIC1 = 0x4d;
const VERSION = 1;
const FIXED_BYTES = 36;

export class OutboxMeta {
  generation = 0;
  recordBytes = 0;
  files = 0;
  seqLimit = 1;
  currentFirst = 0;
  drops = 0;
  damaged = 0;
  checkedThrough = 0;
  readonly acks: AckRanges;
  #storage: Storage;
  #names: [string, string];
  /** The copy the next save() writes: the one not holding the newest valid state. */
  #target = 0;
  #buffer: Uint8Array;

  constructor(storage: Storage, name: string, ackRanges: number) {
    this.#storage = storage;
    this.#names = [`${name}.m0`, `${name}.m1`];
    this.acks = new AckRanges(ackRanges);
    this.#buffer = new Uint8Array(FIXED_BYTES + 8 * ackRanges + 4);
  }

  /**
   * Loads the newer copy that checks out. Returns "loaded", "missing" (neither file exists) or "lost" (a
   * file exists but no copy checks out); the fields keep their defaults unless loaded.
   */
  load(): "loaded" | "missing" | "lost" {
    let best: Uint8Array | undefined;
    let found = false;
    for (let copy = 0; copy < 2; copy++) {
      const size = this.#storage.size(this.#names[copy]);
      if (size === undefined) continue;
      found = true;
      if (size > FIXED_BYTES + 8 * 255 + 4) continue; // no copy is that large: not ours
      const bytes = new Uint8Array(this.#storage.read(this.#names[copy]) ?? new ArrayBuffer(0));
      if (valid(bytes) && (!best || ((readU32(bytes, 4) - readU32(best, 4)) | 0) > 0)) {
        best = bytes;
        this.#target = 1 - copy;
      }
    }
    if (!best) return found ? "lost" : "missing";
    this.decode(best);
    return "loaded";
  }

  /**
   * Writes the current state, durably, into the copy that does not hold the newest one; with `both`, then
   * into the other as well, so that either copy alone has it (the sequence reservation).
   */
  save(both = false): void {
    for (let n = both ? 2 : 1; n > 0; n--) {
      const bytes = this.encode((this.generation + 1) >>> 0);
      this.#storage.write(this.#names[this.#target], bytes);
      // Only a complete write moves on: after a failed one the same (torn) copy is written next time.
      this.generation = (this.generation + 1) >>> 0;
      this.#target = 1 - this.#target;
    }
  }

  /** The state as stored, with `generation` (a view of a buffer reused by the next call). */
  encode(generation = this.generation): Uint8Array {
    const acks = this.acks;
    const n = acks.length;
    const out = this.#buffer.subarray(0, FIXED_BYTES + 8 * n + 4);
    out[0] = MAGIC0;
    out[1] = MAGIC1;
    out[2] = VERSION;
    out[3] = n;
    writeU32(out, 4, generation);
    out[8] = this.recordBytes >>> 8;
    out[9] = this.recordBytes & 0xff;
    out[10] = this.files >>> 8;
    out[11] = this.files & 0xff;
    writeU32(out, 12, acks.through);
    writeU32(out, 16, this.seqLimit);
    writeU32(out, 20, this.currentFirst);
    writeU32(out, 24, this.drops);
    writeU32(out, 28, this.damaged);
    writeU32(out, 32, this.checkedThrough);
    for (let i = 0; i < n; i++) {
      writeU32(out, FIXED_BYTES + 8 * i, acks.first(i));
      writeU32(out, FIXED_BYTES + 8 * i + 4, acks.last(i));
    }
    writeU32(out, FIXED_BYTES + 8 * n, crc32(out, 0, FIXED_BYTES + 8 * n));
    return out;
  }

  private decode(bytes: Uint8Array): void {
    this.generation = readU32(bytes, 4);
    this.recordBytes = (bytes[8] << 8) | bytes[9];
    this.files = (bytes[10] << 8) | bytes[11];
    this.seqLimit = readU32(bytes, 16);
    this.currentFirst = readU32(bytes, 20);
    this.drops = readU32(bytes, 24);
    this.damaged = readU32(bytes, 28);
    this.checkedThrough = readU32(bytes, 32);
    const acks = this.acks;
    acks.reset(readU32(bytes, 12));
    // Ranges above what this outbox keeps (its capacity shrank) are given up: sent again, not lost.
    for (let i = 0; i < bytes[3]; i++) {
      const first = readU32(bytes, FIXED_BYTES + 8 * i);
      const last = readU32(bytes, FIXED_BYTES + 8 * i + 4);
      if (first > acks.through && last >= first && acks.length < acks.capacity) acks.add(first, last);
    }
  }
}

/** A complete copy: magic, version, length and CRC check out. */
function valid(bytes: Uint8Array): boolean {
  if (bytes.length < FIXED_BYTES + 4 || bytes[0] !== MAGIC0 || bytes[1] !== MAGIC1 || bytes[2] !== VERSION) return false;
  const end = FIXED_BYTES + 8 * bytes[3];
  return bytes.length === end + 4 && crc32(bytes, 0, end) === readU32(bytes, end);
}
