// Just enough DER (ITU-T X.690) to read X.509 certificates and write a PKCS#10 signing request: one
// tag-length-value at a time, by offsets into the bytes, so a certificate in flash is read where it is.
// Definite lengths only (DER has no other), at most four length bytes.
import { IdentityError } from "./identity-error.js";

export const SEQUENCE = 0x30;
export const SET = 0x31;
export const INTEGER = 0x02;
export const BIT_STRING = 0x03;
export const OID = 0x06;
export const NULL = 0x05;
export const UTF8_STRING = 0x0c;
export const PRINTABLE_STRING = 0x13;
export const IA5_STRING = 0x16;
export const UTC_TIME = 0x17;
export const GENERALIZED_TIME = 0x18;

/** One element: its tag, where it starts, where its value starts and where it ends (offsets). */
export interface Tlv {
  tag: number;
  start: number;
  value: number;
  end: number;
}

/** The element at `at`, which must end by `limit`. */
export function readTlv(bytes: Uint8Array, at: number, limit: number = bytes.length): Tlv {
  if (at + 2 > limit) throw new IdentityError("malformed", `DER: element at ${at} runs past its container`);
  const tag = bytes[at];
  let length = bytes[at + 1];
  let value = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new IdentityError("malformed", `DER: length of ${count} bytes at ${at}`);
    if (value + count > limit) throw new IdentityError("malformed", `DER: length at ${at} runs past its container`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[value++];
  }
  const end = value + length;
  if (end > limit) throw new IdentityError("malformed", `DER: element at ${at} (${length} bytes) runs past its container`);
  return { tag, start: at, value, end };
}

/** The element at `at`, which must have `tag`. */
export function expectTlv(bytes: Uint8Array, at: number, tag: number, limit: number = bytes.length): Tlv {
  const tlv = readTlv(bytes, at, limit);
  if (tlv.tag !== tag) throw new IdentityError("malformed", `DER: tag 0x${tlv.tag.toString(16)} at ${at}, expected 0x${tag.toString(16)}`);
  return tlv;
}

/** Whether bytes[from, to) equal `other`. */
export function sameBytes(bytes: Uint8Array, from: number, to: number, other: Uint8Array): boolean {
  if (to - from !== other.length) return false;
  for (let i = 0; i < other.length; i++) if (bytes[from + i] !== other[i]) return false;
  return true;
}

/** One element made of `parts`, in order. */
export function encodeTlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const header = length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : 5;
  const out = new Uint8Array(header + length);
  out[0] = tag;
  if (header === 2) out[1] = length;
  else {
    out[1] = 0x80 | (header - 2);
    for (let i = header - 1, n = length; i >= 2; i--, n = Math.floor(n / 256)) out[i] = n & 0xff;
  }
  let at = header;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
