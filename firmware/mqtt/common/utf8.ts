// UTF-8 Encoded Strings (MQTT 5.0 section 1.5.4, 3.1.1 section 1.5.3). The device has no TextEncoder /
// TextDecoder globals, and MQTT is stricter than they are anyway: a string MUST be well-formed UTF-8, MUST
// NOT encode a surrogate code point (U+D800..U+DFFF) and MUST NOT contain U+0000.
import { malformed } from "../codec/protocol-error.js";

/** Longest string (in bytes) the two-byte length prefix can describe (1.5.4). */
export const MAX_STRING_BYTES = 0xffff;

/**
 * Number of bytes `s` takes in UTF-8. Throws a Malformed Packet error for U+0000 or a lone surrogate,
 * which cannot be sent (1.5.4).
 */
export function utf8Length(s: string, section = "1.5.4"): number {
  const n = s.length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) throw malformed(section, "a string must not contain U+0000");
      continue;
    }
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A surrogate is only encodable as half of a pair: high then low makes one 4-byte sequence.
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || next < 0xdc00 || next > 0xdfff) throw malformed(section, "a string must not contain a lone surrogate");
      bytes += 2; // 2 UTF-16 units -> 4 bytes
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/** Writes `s` at `pos` and returns the position after it. `s` must have passed utf8Length. */
export function writeUtf8(s: string, out: Uint8Array, pos: number): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[pos++] = c;
    } else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      out[pos++] = 0xf0 | (c >> 18);
      out[pos++] = 0x80 | ((c >> 12) & 0x3f);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    } else {
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}

/** `s` as UTF-8 bytes (no length prefix). Throws like utf8Length. */
export function encodeUtf8(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s));
  writeUtf8(s, out, 0);
  return out;
}

// String.fromCharCode.apply takes its arguments on the stack: convert long strings in slices.
const SLICE = 1024;

/**
 * Decodes bytes[start, end) as an MQTT UTF-8 string. Throws a Malformed Packet error (naming `section`)
 * for ill-formed UTF-8 (overlong forms, truncated sequences, code points above U+10FFFF), surrogates and
 * U+0000.
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number, section = "1.5.4"): string {
  // ASCII fast path: most topics and identifiers never leave it.
  let i = start;
  while (i < end) {
    const b = bytes[i];
    if (b === 0 || b >= 0x80) break;
    i++;
  }
  if (i === end) return ascii(bytes, start, end);
  return decodeSlow(bytes, start, end, section);
}

function ascii(b: Uint8Array, start: number, end: number): string {
  // Eight characters per call: fewer, larger concatenations than one per byte, and no argument array
  // or subarray to allocate (measured fastest on V8; plain and portable on XS).
  let s = "";
  let i = start;
  for (; i + 8 <= end; i += 8) {
    s += String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7]);
  }
  for (; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

function decodeSlow(bytes: Uint8Array, start: number, end: number, section: string): string {
  const units: number[] = [];
  let s = "";
  let i = start;
  while (i < end) {
    const b0 = bytes[i];
    let cp: number;
    if (b0 < 0x80) {
      if (b0 === 0) throw malformed(section, "a string must not contain U+0000");
      cp = b0;
      i += 1;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      cp = ((b0 & 0x1f) << 6) | continuation(bytes, i + 1, end, 0x80, 0xbf, section);
      i += 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      // Unicode Table 3-7: E0 needs A0..BF (no overlongs); ED needs 80..9F (no surrogates).
      const lo = b0 === 0xe0 ? 0xa0 : 0x80;
      const hi = b0 === 0xed ? 0x9f : 0xbf;
      cp = ((b0 & 0x0f) << 12) | (continuation(bytes, i + 1, end, lo, hi, section) << 6);
      cp |= continuation(bytes, i + 2, end, 0x80, 0xbf, section);
      i += 3;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      // F0 needs 90..BF (no overlongs); F4 needs 80..8F (nothing above U+10FFFF).
      const lo = b0 === 0xf0 ? 0x90 : 0x80;
      const hi = b0 === 0xf4 ? 0x8f : 0xbf;
      cp = ((b0 & 0x07) << 18) | (continuation(bytes, i + 1, end, lo, hi, section) << 12);
      cp |= continuation(bytes, i + 2, end, 0x80, 0xbf, section) << 6;
      cp |= continuation(bytes, i + 3, end, 0x80, 0xbf, section);
      i += 4;
    } else {
      throw malformed(section, `ill-formed UTF-8: byte 0x${b0.toString(16)} cannot start a character`);
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      units.push(cp);
    }
    if (units.length >= SLICE) {
      s += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  return s + String.fromCharCode.apply(null, units);
}

function continuation(bytes: Uint8Array, i: number, end: number, lo: number, hi: number, section: string): number {
  if (i >= end) throw malformed(section, "ill-formed UTF-8: truncated sequence");
  const b = bytes[i];
  if (b < lo || b > hi) throw malformed(section, "ill-formed UTF-8: invalid continuation byte (overlong, surrogate or out of range)");
  return b & 0x3f;
}
