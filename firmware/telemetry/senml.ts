// SenML packs (RFC 8428) in JSON (section 5) and CBOR (section 6), from one record model.
//
// Numbers in CBOR (section 6): "integers, floating-point numbers, or decimal fractions (CBOR Tag 4)", chosen
// so that the value converts to exactly the same double as the JSON number. We write the shortest of an
// integer, a float16/32 (when exact), a decimal fraction and a float64: 36.6 C is the decimal fraction
// 366 x 10^-1 (6 bytes), where a float64 takes 9 and no shorter float holds it.
//
// Labels and CBOR keys (section 6, Table 4): bver -1, bn -2, bt -3, bu -4, n 0, u 1, v 2, vs 3, vb 4, s 5,
// t 6, ut 7. That table is conclusive: any further label is carried under its text name in CBOR too.
//
// Sequence numbers: SenML has no field for them. We add the label "seq" (payload.ts: written where it does
// not follow from the previous record's). Section 4.4:
// receivers MUST ignore labels they do not understand unless the label ends in "_" (must-understand). So a
// plain SenML consumer reads the measurements correctly and just ignores "seq"; our backend uses it to
// drop the duplicates QoS 1 may deliver and to spot gaps (drops are also reported in status).
//
// Names (section 4.5.1): bn + n must be non-empty, start with a letter or digit and use only
// A-Z a-z 0-9 - : . / _ — checked here so a bad device id is caught before anything is published.
import { CodedError } from "../mqtt/common/coded-error.js";

import { CborWriter, intBytes } from "./cbor.js";
import { encodeUtf8 } from "../mqtt/common/utf8.js";
import { integerAt, onlyAlphanumericOr } from "../mqtt/common/text.js";

export interface SenmlRecord {
  bver?: number;
  bn?: string;
  /** Base time, seconds; >= 2^28 means absolute (seconds since the epoch). */
  bt?: number;
  bu?: string;
  n?: string;
  u?: string;
  v?: number;
  vs?: string;
  vb?: boolean;
  s?: number;
  /** Time, seconds, relative to bt (or absolute when >= 2^28 on its own). */
  t?: number;
  ut?: number;
  /** Extension label (not must-understand): the outbox sequence number of this reading; when absent, the
   *  previous record's + 1 (payload.ts). */
  seq?: number;
  /** Must-understand extension label (section 4.4): the record's time is not absolute nor relative to now,
   *  but `t` seconds into the boot whose first reading had this sequence number (payload.ts). */
  boot_?: number;
}

export type SenmlErrorCode = "invalid-name" | "invalid-value" | "empty-pack";

export class SenmlError extends CodedError<SenmlErrorCode> {
  override readonly name: string = "SenmlError";
}

export const SENML_JSON = "application/senml+json";
export const SENML_CBOR = "application/senml+cbor";

/** Seconds at and above which a SenML time is absolute (section 4.5.3). */
export const ABSOLUTE_TIME = 2 ** 28;

type NumberLabel = "bver" | "bt" | "v" | "s" | "t" | "ut" | "seq" | "boot_";
type Label = keyof SenmlRecord;

// Output order of the labels, with their CBOR keys (text for the extension label).
const LABELS: [Label, number | string][] = [
  ["bver", -1],
  ["bn", -2],
  ["bt", -3],
  ["bu", -4],
  ["n", 0],
  ["u", 1],
  ["v", 2],
  ["vs", 3],
  ["vb", 4],
  ["s", 5],
  ["t", 6],
  ["ut", 7],
  ["seq", "seq"],
  ["boot_", "boot_"],
];
const NUMBER_LABELS: Record<NumberLabel, true> = { bver: true, bt: true, v: true, s: true, t: true, ut: true, seq: true, boot_: true };

/** Checks the names and numbers of a pack (sections 4.5.1, 4.3). */
export function validatePack(pack: SenmlRecord[]): void {
  if (pack.length === 0) throw new SenmlError("empty-pack", "a SenML pack needs at least one record");
  let bn = "";
  for (let i = 0; i < pack.length; i++) {
    const r = pack[i];
    if (r.bn !== undefined) bn = r.bn;
    const name = bn + (r.n ?? "");
    if (name === "" || !onlyAlphanumericOr(name[0], "") || !onlyAlphanumericOr(name, "-:./_", 1)) {
      throw new SenmlError("invalid-name", `record ${i}: name ${JSON.stringify(name)} is not a valid SenML name (RFC 8428 section 4.5.1)`);
    }
    for (const [label] of LABELS) {
      const value = r[label];
      if (value === undefined) continue;
      if (label in NUMBER_LABELS && (typeof value !== "number" || !Number.isFinite(value))) {
        throw new SenmlError("invalid-value", `record ${i}: ${label} must be a finite number, got ${String(value)}`);
      }
    }
  }
}

// JSON (RFC 8259 section 7): quote, backslash and controls escaped; a lone surrogate is escaped too,
// so the text always encodes as well-formed UTF-8.
function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c < 0x20) out += c === 0x0a ? "\\n" : c === 0x0d ? "\\r" : c === 0x09 ? "\\t" : "\\u" + c.toString(16).padStart(4, "0");
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
      } else out += "\\u" + c.toString(16);
    } else out += s[i];
  }
  return out + '"';
}

/** Finite numbers only; JavaScript's shortest round-trip form is valid JSON ("1e+21", "5e-7"; -0 -> "0"). */
function jsonNumber(n: number): string {
  return String(n);
}

/** The pack as SenML JSON text. */
export function senmlJson(pack: SenmlRecord[]): string {
  validatePack(pack);
  let out = "[";
  for (let i = 0; i < pack.length; i++) {
    if (i > 0) out += ",";
    out += "{";
    let first = true;
    for (const [label] of LABELS) {
      const value = pack[i][label];
      if (value === undefined) continue;
      if (!first) out += ",";
      first = false;
      out += '"' + label + '":';
      out += typeof value === "number" ? jsonNumber(value) : typeof value === "boolean" ? String(value) : jsonString(value);
    }
    out += "}";
  }
  return out + "]";
}

/** The pack as SenML JSON, UTF-8 bytes (media type application/senml+json). */
export function senmlJsonBytes(pack: SenmlRecord[]): Uint8Array {
  return encodeUtf8(senmlJson(pack));
}

/** The pack as SenML CBOR (media type application/senml+cbor): an array of maps with integer keys. */
export function senmlCbor(pack: SenmlRecord[]): Uint8Array {
  validatePack(pack);
  const w = new CborWriter(16 + pack.length * 24);
  w.array(pack.length);
  for (const r of pack) {
    let count = 0;
    for (const [label] of LABELS) if (r[label] !== undefined) count++;
    w.map(count);
    for (const [label, key] of LABELS) {
      const value = r[label];
      if (value === undefined) continue;
      if (typeof key === "number") w.int(key);
      else w.text(key);
      if (typeof value === "number") writeNumber(w, value);
      else if (typeof value === "boolean") w.bool(value);
      else w.text(value);
    }
  }
  return w.finish();
}

/** Powers of ten that are exact doubles (10^22 is the last). */
const POWERS_OF_TEN = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const FLOAT64_BYTES = 9;

/** A finite number as the shortest CBOR item that gives back exactly the same double (section 6). */
function writeNumber(w: CborWriter, n: number): void {
  // Integers and float16/32-exact values: CborWriter.number picks the shortest (-0 stays a float).
  if (Number.isSafeInteger(n) || Math.fround(n) === n) {
    w.number(n);
    return;
  }
  // The digits of the shortest decimal that reads back as n: exact as m x 10^e when m and 10^|e| are exact
  // doubles (one correctly rounded operation), and worth it when shorter than the float64.
  // JavaScript's shortest round-trip form of a finite number: [-]digits[.fraction][e[+-]exponent].
  const text = String(n);
  const e = text.indexOf("e");
  const significand = e < 0 ? text : text.slice(0, e);
  const dot = significand.indexOf(".");
  const fraction = dot < 0 ? "" : significand.slice(dot + 1);
  const whole = dot < 0 ? significand : significand.slice(0, dot);
  const power10 = e < 0 ? 0 : integerAt(text, text.charCodeAt(e + 1) === 43 ? e + 2 : e + 1);
  const mantissa = Number(whole + fraction);
  const exponent = power10 - fraction.length;
  const power = POWERS_OF_TEN[Math.abs(exponent)];
  if (
    Number.isSafeInteger(mantissa) &&
    power !== undefined &&
    (exponent < 0 ? mantissa / power : mantissa * power) === n &&
    2 + intBytes(exponent) + intBytes(mantissa) < FLOAT64_BYTES
  ) {
    w.decimal(mantissa, exponent);
    return;
  }
  w.float64(n);
}
