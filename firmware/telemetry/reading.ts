// A reading as the outbox stores it: what was measured, its value, and when. `ticks` is the monotonic
// clock at sampling time (valid within one boot); `time` is wall-clock milliseconds since the epoch, or
// undefined when the clock was not yet set (stamped later, see timestamp.ts).
//
// Stored form (big-endian): kind u8, flags u8 (bit 0: time present), value f64, ticks f64, [time f64].
import { CodedError } from "../common/coded-error.js";

export type ReadingKind = "hr" | "temp";

export interface Reading {
  kind: ReadingKind;
  /** Heart rate in beats per minute, or body temperature in degrees Celsius. */
  value: number;
  ticks: number;
  time?: number;
}

const KIND_CODES: Record<ReadingKind, number> = { hr: 1, temp: 2 };
const KINDS: ReadingKind[] = ["hr", "temp"];

export class ReadingFormatError extends CodedError<"reading-format"> {
  override readonly name: string = "ReadingFormatError";
  constructor(message: string) {
    super("reading-format", message);
  }
}

export function encodeReading(r: Reading): Uint8Array {
  const hasTime = r.time !== undefined;
  const out = new Uint8Array(hasTime ? 26 : 18);
  const view = new DataView(out.buffer);
  out[0] = KIND_CODES[r.kind];
  out[1] = hasTime ? 1 : 0;
  view.setFloat64(2, r.value);
  view.setFloat64(10, r.ticks);
  if (hasTime) view.setFloat64(18, r.time as number);
  return out;
}

export function decodeReading(bytes: Uint8Array): Reading {
  const kind = KINDS[bytes[0] - 1];
  const hasTime = bytes.length > 1 && (bytes[1] & 1) === 1;
  if (kind === undefined || bytes.length !== (hasTime ? 26 : 18)) {
    throw new ReadingFormatError(`not a stored reading (${bytes.length} bytes, kind ${bytes[0]})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r: Reading = { kind, value: view.getFloat64(2), ticks: view.getFloat64(10) };
  if (hasTime) r.time = view.getFloat64(18);
  return r;
}
