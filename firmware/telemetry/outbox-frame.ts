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
  /** First frame of a file: seq is the next sequence number; payload: generation u32, drops u32. */
  Header: 4,
  /** Ends the snapshot a compaction wrote; seq is the generation. Without it the file is ignored. */
  Commit: 5,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export interface Frame {
  type: number;
  seq: number;
  payload: Uint8Array;
  /** Offset of the frame in the scanned bytes. */
  offset: number;
}

export interface ScanResult {
  frames: Frame[];
  /** Bytes that did not belong to a valid frame (damage or a torn tail). */
  discardedBytes: number;
  /** The bytes end in something that is not a whole valid frame (e.g. a power loss mid-append). */
  tornTail: boolean;
}

/** One frame's bytes. */
export function encodeFrame(type: FrameType, seq: number, payload?: Uint8Array): Uint8Array {
  const length = payload ? payload.length : 0;
  if (length > MAX_FRAME_PAYLOAD) throw new RangeError(`frame payload of ${length} bytes exceeds ${MAX_FRAME_PAYLOAD}`);
  const out = new Uint8Array(FRAME_HEADER_BYTES + length);
  const view = new DataView(out.buffer);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = type;
  out[3] = FRAME_VERSION;
  view.setUint16(4, length);
  view.setUint32(6, seq >>> 0);
  if (payload) out.set(payload, FRAME_HEADER_BYTES);
  view.setUint32(10, crc32(out, FRAME_HEADER_BYTES, out.length, crc32(out, 2, 10)));
  return out;
}

/** Payload of Ack and Drop frames: the last sequence number of the range. */
export function rangePayload(last: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, last >>> 0);
  return out;
}

/** Reads a big-endian u32 from a frame payload. */
export function payloadU32(payload: Uint8Array, offset: number): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(offset);
}

/** The frame starting at `offset`, or undefined when there is none that checks out. */
function frameAt(bytes: Uint8Array, view: DataView, offset: number): Frame | undefined {
  if (offset + FRAME_HEADER_BYTES > bytes.length) return undefined;
  if (bytes[offset] !== MAGIC0 || bytes[offset + 1] !== MAGIC1 || bytes[offset + 3] !== FRAME_VERSION) return undefined;
  const length = view.getUint16(offset + 4);
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > bytes.length) return undefined;
  const crc = crc32(bytes, offset + FRAME_HEADER_BYTES, end, crc32(bytes, offset + 2, offset + 10));
  if (crc !== view.getUint32(offset + 10)) return undefined;
  return {
    type: bytes[offset + 2],
    seq: view.getUint32(offset + 6),
    payload: bytes.subarray(offset + FRAME_HEADER_BYTES, end),
    offset,
  };
}

/** All valid frames in file order, skipping (and counting) bytes that are not part of one. */
export function scanFrames(bytes: Uint8Array): ScanResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Frame[] = [];
  let discardedBytes = 0;
  let tornTail = false;
  let offset = 0;
  while (offset < bytes.length) {
    const frame = frameAt(bytes, view, offset);
    if (frame) {
      frames.push(frame);
      offset += FRAME_HEADER_BYTES + frame.payload.length;
      tornTail = false;
    } else {
      discardedBytes++;
      offset++;
      tornTail = true;
    }
  }
  return { frames, discardedBytes, tornTail };
}
