// A reading as the outbox stores it: what was measured, its value at its kind's resolution, and when. The
// time is the wall clock's when it was set at sampling; before that (a wearable switched on away from its
// network, or where SNTP is blocked) it is the monotonic tick count together with the first sequence number
// of the boot it was taken in, which names that boot for good (sequence numbers are never reused), so the
// reading can be given its true time once the boot's clock offset is known (reading-time.ts).
//
// Stored form, READING_BYTES, big-endian:
//   0  kind     u8   1 heart rate, 2 body temperature
//   1  flags    u8   bit 0: the time is wall-clock milliseconds (else boot + ticks)
//   2  value    i16  in the kind's steps (precision.ts: whole bpm, 0.1 C)
//   4  time     wall: f64 milliseconds since the epoch | monotonic: u32 boot (its first seq), u32 ticks (ms)
import { CodedError } from "../mqtt/common/coded-error.js";
import { READING_KINDS, type ReadingKind } from "../common/vital-signs.js";
import { STEPS } from "./precision.js";

export const READING_BYTES = 12;

/** A reading with its time: `time` (wall ms) when the clock was set at sampling, else `boot` and `ticks`. */
export interface StoredReading {
  kind: ReadingKind;
  /** Heart rate in beats per minute, or body temperature in degrees Celsius, at the kind's resolution. */
  value: number;
  time?: number;
  /** The first outbox sequence number of the boot the reading was taken in. */
  boot: number;
  /** Monotonic milliseconds within that boot (u32). */
  ticks: number;
}

const KIND_CODES: Record<ReadingKind, number> = { hr: 1, temp: 2 };
const WALL = 1;

export class ReadingFormatError extends CodedError<"reading-format"> {
  override readonly name: string = "ReadingFormatError";
  constructor(message: string) {
    super("reading-format", message);
  }
}

/** Writes `r` into `out` (READING_BYTES long) and returns it. */
export function encodeReading(r: StoredReading, out = new Uint8Array(READING_BYTES)): Uint8Array {
  const view = new DataView(out.buffer, out.byteOffset, READING_BYTES);
  const steps = Math.round(r.value * STEPS[r.kind]);
  if (!(steps >= -32768 && steps <= 32767)) throw new ReadingFormatError(`${r.kind} ${r.value} does not fit the stored form`);
  out[0] = KIND_CODES[r.kind];
  out[1] = r.time !== undefined ? WALL : 0;
  view.setInt16(2, steps);
  if (r.time !== undefined) view.setFloat64(4, r.time);
  else {
    view.setUint32(4, r.boot >>> 0);
    view.setUint32(8, r.ticks >>> 0);
  }
  return out;
}

/** The reading stored in `bytes` (READING_BYTES); `into` is filled and returned when given. */
export function decodeReading(bytes: Uint8Array, into?: StoredReading): StoredReading {
  const kind = READING_KINDS[bytes[0] - 1];
  if (kind === undefined || bytes.length !== READING_BYTES || (bytes[1] & ~WALL) !== 0) {
    throw new ReadingFormatError(`not a stored reading (${bytes.length} bytes, kind ${bytes[0]}, flags ${bytes[1]})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, READING_BYTES);
  const r = into ?? { kind, value: 0, boot: 0, ticks: 0 };
  r.kind = kind;
  r.value = view.getInt16(2) / STEPS[kind];
  if (bytes[1] & WALL) {
    r.time = view.getFloat64(4);
    r.boot = r.ticks = 0;
  } else {
    r.time = undefined;
    r.boot = view.getUint32(4);
    r.ticks = view.getUint32(8);
  }
  return r;
}
