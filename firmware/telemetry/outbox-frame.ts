// The outbox's on-flash record framing. Every write the outbox makes is one or more whole frames:
//
//   offset 0  magic   2 bytes  0xB0 0x0C, where a scan resynchronises after damage
//          2  type    1 byte   FrameType
//          3  version 1 byte   FRAME_VERSION
//          4  length  2 bytes  payload length (big-endian)
//          6  seq     4 bytes  sequence number (big-endian, unsigned)
//         10  crc     4 bytes  CRC-32 over bytes 2..9 and the payload
//         14  payload length bytes
//
// A power loss mid-append leaves a partial last frame (too short, or a CRC mismatch): the scan discards
// it. Damage in the middle (a bad flash page) is skipped by searching for the next magic whose frame
// checks out, so one bad frame does not hide the good ones after it.

import { crc32 } from "./crc32.js";

export const FRAME_HEADER_BYTES = 14;
export const FRAME_VERSION = 1;
export const MAX_FRAME_PAYLOAD = 0xffff;
const MAGIC0 = 0xb0;
const MAGIC1 = 0x0c;

export const FrameType = {
  /** One stored payload; seq is its sequence number. */
  Record: 1,
  /** Records seq..last (payload: last, u32) were acknowledged. */
  Ack: 2,
  /** Records seq..last (payload: last, u32) were dropped to stay within the byte bound. */
  Drop: 3,
  /** First frame of a file: seq is the next sequence number; payload: generation u32, drops u32, and
   *  (files written since damage was counted) damaged u32. */
  Header: 4,
  /** Ends the snapshot a compaction wrote; seq is the generation. Without it the file is ignored. */
  Commit: 5,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Called for each valid frame; the payload is bytes[payloadStart, payloadEnd). No allocation per frame. */
export type FrameVisitor = (type: number, seq: number, bytes: Uint8Array, payloadStart: number, payloadEnd: number) => void;

export interface ScanResult {
  /** Valid frames seen. */
  frames: number;
  /** Bytes that did not belong to a valid frame (damage or a torn tail). */
  discardedBytes: number;
  /** Runs of such bytes: each is one or more frames lost (a torn tail counts as one). */
  damagedRegions: number;
  /** The bytes end in something that is not a whole valid frame (e.g. a power loss mid-append). */
  tornTail: boolean;
  /** Bytes after the last valid frame (0 unless tornTail). */
  tailBytes: number;
}

/** Writes one frame at `at` in `out` (which must have room) and returns the offset after it. */
export function writeFrame(
  out: Uint8Array,
  at: number,
  type: FrameType,
  seq: number,
  payload?: Uint8Array,
  start = 0,
  end = payload ? payload.length : 0,
): number {
  const length = end - start;
  if (length > MAX_FRAME_PAYLOAD) throw new RangeError(`frame payload of ${length} bytes exceeds ${MAX_FRAME_PAYLOAD}`);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[at] = MAGIC0;
  out[at + 1] = MAGIC1;
  out[at + 2] = type;
  out[at + 3] = FRAME_VERSION;
  view.setUint16(at + 4, length);
  view.setUint32(at + 6, seq >>> 0);
  const body = at + FRAME_HEADER_BYTES;
  if (payload && length > 0) out.set(payload.subarray(start, end), body);
  view.setUint32(at + 10, crc32(out, body, body + length, crc32(out, at + 2, at + 10)));
  return body + length;
}

/** One frame's bytes. */
export function encodeFrame(type: FrameType, seq: number, payload?: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + (payload ? payload.length : 0));
  writeFrame(out, 0, type, seq, payload);
  return out;
}

/** Payload of Ack and Drop frames: the last sequence number of the range. */
export function rangePayload(last: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, last >>> 0);
  return out;
}

/** Reads a big-endian u32 at `offset`. */
export function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}

/** Length of the valid frame starting at `offset`, or -1 when there is none that checks out. */
function frameAt(bytes: Uint8Array, offset: number): number {
  if (offset + FRAME_HEADER_BYTES > bytes.length) return -1;
  if (bytes[offset] !== MAGIC0 || bytes[offset + 1] !== MAGIC1 || bytes[offset + 3] !== FRAME_VERSION) return -1;
  const length = (bytes[offset + 4] << 8) | bytes[offset + 5];
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > bytes.length) return -1;
  const crc = crc32(bytes, offset + FRAME_HEADER_BYTES, end, crc32(bytes, offset + 2, offset + 10));
  return crc === readU32(bytes, offset + 10) ? FRAME_HEADER_BYTES + length : -1;
}

/** Visits all valid frames in file order, skipping (and counting) bytes that are not part of one. */
export function scanFrames(bytes: Uint8Array, visit: FrameVisitor): ScanResult {
  let frames = 0;
  let discardedBytes = 0;
  let damagedRegions = 0;
  let tailBytes = 0;
  let offset = 0;
  while (offset < bytes.length) {
    const size = frameAt(bytes, offset);
    if (size > 0) {
      frames++;
      visit(bytes[offset + 2], readU32(bytes, offset + 6), bytes, offset + FRAME_HEADER_BYTES, offset + size);
      offset += size;
      tailBytes = 0;
    } else {
      if (tailBytes === 0) damagedRegions++;
      discardedBytes++;
      tailBytes++;
      offset++;
    }
  }
  return { frames, discardedBytes, damagedRegions, tornTail: tailBytes > 0, tailBytes };
}
