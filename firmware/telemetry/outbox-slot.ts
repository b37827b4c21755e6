// One outbox record on flash: a fixed-size slot, so the position of a sequence number in its segment file is
// arithmetic (outbox.ts).
//
//   offset 0      magic    1 byte   0xB1 (slot format 1)
//          1      seq      4 bytes  big-endian, unsigned
//          5      payload  recordBytes
//          5 + R  crc      4 bytes  CRC-32 (crc32.ts) of bytes 0 .. 5 + R, seeded with the record size
//
// The seed makes a slot written for another record size fail its check instead of being misread. A slot that
// does not check out (a torn last append, a bad flash page) is skipped by the readers here; what it costs is
// counted by the outbox.
import type { Storage } from "../platform/ports.js";
import { crc32 } from "./crc32.js";

export const SLOT_OVERHEAD = 9;
const MAGIC = 0xb1;
const SEQ = 1;
const PAYLOAD = 5;
/** Slots are read in pieces of about this many bytes: what a scan costs in RAM. */
const CHUNK_BYTES = 512;

/** Fills `out` (SLOT_OVERHEAD + payload.length bytes) with the slot of record `seq`. */
export function writeSlot(out: Uint8Array, seq: number, payload: Uint8Array): void {
  const end = PAYLOAD + payload.length;
  out[0] = MAGIC;
  writeU32(out, SEQ, seq);
  out.set(payload, PAYLOAD);
  writeU32(out, end, crc32(out, 0, end, payload.length));
}

/** The sequence number of the slot at bytes[at...], or -1 when there is no whole slot that checks out. */
export function slotSeq(bytes: Uint8Array, at: number, recordBytes: number): number {
  const end = at + PAYLOAD + recordBytes;
  if (end + 4 > bytes.length || bytes[at] !== MAGIC) return -1;
  return crc32(bytes, at, end, recordBytes) === readU32(bytes, end) ? readU32(bytes, at + SEQ) : -1;
}

/** Offset of the payload within a slot. */
export const SLOT_PAYLOAD = PAYLOAD;

/**
 * Called for slot `index` of a file: `seq` is what slotSeq() found (-1: none), the slot is bytes[at...].
 * Returning false stops the scan.
 */
export type SlotVisitor = (index: number, seq: number, bytes: Uint8Array, at: number) => boolean;

/**
 * Visits slots [from, to) of file `name` in order, reading them with ranged reads of about CHUNK_BYTES, so
 * the RAM it takes does not depend on the file's size. Slots past the end of the file (or of a missing file)
 * are visited as not checking out.
 */
export function scanSlots(storage: Storage, name: string, recordBytes: number, from: number, to: number, visit: SlotVisitor): void {
  const slotBytes = SLOT_OVERHEAD + recordBytes;
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / slotBytes));
  for (let index = from; index < to; ) {
    const n = Math.min(perChunk, to - index);
    const buffer = storage.read(name, index * slotBytes, n * slotBytes);
    const bytes = buffer === undefined ? new Uint8Array(0) : new Uint8Array(buffer);
    for (let i = 0; i < n; i++, index++) {
      if (!visit(index, slotSeq(bytes, i * slotBytes, recordBytes), bytes, i * slotBytes)) return;
    }
  }
}

export function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

export function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}
