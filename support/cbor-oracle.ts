// The CBOR oracle for the encoder's tests: cbor-x, a maintained decoder that shares no code or author with
// ours. Maps come out as Maps (SenML's integer keys stay integers), 64-bit integers as numbers, byte strings
// as plain Uint8Arrays, and decimal fractions (tag 4) as the numbers they denote.
// 64-bit integers arrive as BigInts and are converted here: cbor-x 1.6.8's own int64AsNumber option
// truncates negative ones to 32 bits (it negates with ~).
import { Decoder } from "cbor-x";

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [plain(k), plain(x)]));
  return v;
}

export function oracleDecode(bytes: Uint8Array): unknown {
  return plain(decoder.decode(bytes));
}
