// A small CBOR encoder (RFC 8949), enough for SenML packs (RFC 8428 section 6) and written for XS: a
// streaming writer over one growing Uint8Array, no intermediate objects.
//
// Preferred serialization (RFC 8949 section 4.2.1/4.2.2): arguments in their shortest form; a non-integer
// number in the shortest of float16/float32/float64 that represents it exactly. Numbers that are safe
// integers are encoded as integers (major type 0/1), so 1.0 and 1 are the same item, as JavaScript cannot
// tell them apart; -0 stays a float to keep its sign. Integers beyond 2^53 are not exact in JavaScript and
// are encoded as floats. NaN is the canonical quiet NaN 0xf97e00 (section 4.2.2).
// Text strings go through the firmware's strict UTF-8 encoder: a lone surrogate or U+0000 is refused.
import { CodedError } from "../mqtt/common/coded-error.js";

import { utf8Length, writeUtf8 } from "../mqtt/common/utf8.js";

export type CborErrorCode = "unsupported-value" | "invalid-text" | "invalid-length";

export class CborError extends CodedError<CborErrorCode> {
  override readonly name: string = "CborError";
}

/** What encodeCbor accepts. Plain objects become maps with text keys; a Map may have any keys (e.g. SenML's ints). */
export type CborValue =
  | number
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | CborValue[]
  | Map<CborValue, CborValue>
  | { [key: string]: CborValue };

// Major types (RFC 8949 section 3.1).
const UNSIGNED = 0;
const NEGATIVE = 1;
const BYTES = 2;
const TEXT = 3;
const ARRAY = 4;
const MAP = 5;
const TAG = 6;
const SIMPLE = 7;

const TWO_32 = 0x100000000;
/** Scratch space to read a float32's bits. */
const scratch = new DataView(new ArrayBuffer(4));

/** The float16 bits of `x` when float16 represents it exactly, else -1. `x` must be float32-exact. */
function float16Bits(x: number): number {
  if (x !== x) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === 0) return sign;
  if (a === Infinity) return sign | 0x7c00;
  scratch.setFloat32(0, a);
  const bits = scratch.getUint32(0);
  const exponent = (bits >>> 23) - 127;
  const mantissa = bits & 0x7fffff;
  if (exponent > 15) return -1;
  if (exponent >= -14) {
    // Normal half: the 10-bit mantissa must hold the float32's 23 bits without loss.
    if ((mantissa & 0x1fff) !== 0) return -1;
    return sign | ((exponent + 15) << 10) | (mantissa >>> 13);
  }
  // Subnormal half: multiples of 2^-24 below 2^-14 (section 3.3, Appendix D).
  const m = a * 16777216;
  return Number.isInteger(m) && m < 1024 ? sign | m : -1;
}

export class CborWriter {
  #buffer: Uint8Array;
  #view: DataView;
  #length = 0;

  constructor(initialCapacity = 64) {
    this.#buffer = new Uint8Array(Math.max(16, initialCapacity));
    this.#view = new DataView(this.#buffer.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** A copy of the encoded bytes. The writer can go on writing afterwards. */
  finish(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }

  /** An unsigned integer (major type 0). */
  uint(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new CborError("unsupported-value", `not an unsigned safe integer: ${n}`);
    this.head(UNSIGNED, n);
    return this;
  }

  /** A signed integer: major type 0, or 1 carrying -1 - n (section 3.1). */
  int(n: number): this {
    if (!Number.isSafeInteger(n)) throw new CborError("unsupported-value", `not a safe integer: ${n}`);
    if (n >= 0) this.head(UNSIGNED, n);
    else this.head(NEGATIVE, -1 - n);
    return this;
  }

  /** An integer when `n` is a safe integer (and not -0), else the shortest exact float. */
  number(n: number): this {
    if (Number.isSafeInteger(n) && !Object.is(n, -0)) return this.int(n);
    return this.float(n);
  }

  /** `n` as the shortest of float16/32/64 that represents it exactly (section 4.2.2). */
  float(n: number): this {
    if (typeof n !== "number") throw new CborError("unsupported-value", `not a number: ${String(n)}`);
    if (Math.fround(n) === n || n !== n) {
      const half = float16Bits(n);
      if (half >= 0) {
        this.reserve(3);
        this.#buffer[this.#length] = 0xf9;
        this.#view.setUint16(this.#length + 1, half);
        this.#length += 3;
        return this;
      }
      this.reserve(5);
      this.#buffer[this.#length] = 0xfa;
      this.#view.setFloat32(this.#length + 1, n);
      this.#length += 5;
      return this;
    }
    return this.float64(n);
  }

  /** `n` as float64, always (section 3.3). */
  float64(n: number): this {
    this.reserve(9);
    this.#buffer[this.#length] = 0xfb;
    this.#view.setFloat64(this.#length + 1, n);
    this.#length += 9;
    return this;
  }

  /** A text string (major type 3): UTF-8, MQTT-strict (no lone surrogates, no U+0000). */
  text(s: string): this {
    let byteLength: number;
    try {
      byteLength = utf8Length(s);
    } catch (error) {
      throw new CborError("invalid-text", `text string is not encodable as UTF-8: ${(error as Error).message}`);
    }
    this.head(TEXT, byteLength);
    this.reserve(byteLength);
    this.#length = writeUtf8(s, this.#buffer, this.#length);
    return this;
  }

  /** A byte string (major type 2). */
  bytes(b: Uint8Array): this {
    this.head(BYTES, b.length);
    this.reserve(b.length);
    this.#buffer.set(b, this.#length);
    this.#length += b.length;
    return this;
  }

  /** The head of a definite-length array; write `count` items next. */
  array(count: number): this {
    this.count(count);
    this.head(ARRAY, count);
    return this;
  }

  /** The head of a definite-length map; write `count` key/value pairs next. */
  map(count: number): this {
    this.count(count);
    this.head(MAP, count);
    return this;
  }

  /** A decimal fraction (tag 4, section 3.4.4): [exponent, mantissa], worth mantissa x 10^exponent. */
  decimal(mantissa: number, exponent: number): this {
    return this.tag(4).array(2).int(exponent).int(mantissa);
  }

  /** A tag (major type 6); write the tagged item next. */
  tag(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new CborError("unsupported-value", `invalid tag ${n}`);
    this.head(TAG, n);
    return this;
  }

  bool(b: boolean): this {
    return this.simple(b ? 21 : 20);
  }

  null(): this {
    return this.simple(22);
  }

  undefined(): this {
    return this.simple(23);
  }

  /** Any supported value, recursively. */
  value(v: CborValue): this {
    if (typeof v === "number") return this.number(v);
    if (typeof v === "string") return this.text(v);
    if (typeof v === "boolean") return this.bool(v);
    if (v === null) return this.null();
    if (v === undefined) return this.undefined();
    if (v instanceof Uint8Array) return this.bytes(v);
    if (Array.isArray(v)) {
      this.array(v.length);
      for (const item of v) this.value(item);
      return this;
    }
    if (v instanceof Map) {
      this.map(v.size);
      for (const [key, item] of v) this.value(key).value(item);
      return this;
    }
    if (typeof v === "object") {
      const keys = Object.keys(v);
      this.map(keys.length);
      for (const key of keys) this.text(key).value(v[key]);
      return this;
    }
    throw new CborError("unsupported-value", `cannot encode a ${typeof v}`);
  }

  private count(count: number): void {
    if (!Number.isSafeInteger(count) || count < 0) throw new CborError("invalid-length", `invalid item count ${count}`);
  }

  private simple(value: number): this {
    this.reserve(1);
    this.#buffer[this.#length++] = (SIMPLE << 5) | value;
    return this;
  }

  /** Initial byte plus the argument in its shortest form (section 3, 4.2.1). */
  private head(major: number, argument: number): void {
    this.reserve(9);
    const b = this.#buffer;
    const at = this.#length;
    const m = major << 5;
    if (argument < 24) {
      b[at] = m | argument;
      this.#length += 1;
    } else if (argument < 0x100) {
      b[at] = m | 24;
      b[at + 1] = argument;
      this.#length += 2;
    } else if (argument < 0x10000) {
      b[at] = m | 25;
      this.#view.setUint16(at + 1, argument);
      this.#length += 3;
    } else if (argument < TWO_32) {
      b[at] = m | 26;
      this.#view.setUint32(at + 1, argument);
      this.#length += 5;
    } else {
      b[at] = m | 27;
      this.#view.setUint32(at + 1, Math.floor(argument / TWO_32));
      this.#view.setUint32(at + 5, argument >>> 0);
      this.#length += 9;
    }
  }

  private reserve(bytes: number): void {
    const need = this.#length + bytes;
    if (need <= this.#buffer.length) return;
    let capacity = this.#buffer.length * 2;
    while (capacity < need) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = next;
    this.#view = new DataView(next.buffer);
  }
}

/** Bytes of a safe integer's encoding (head and argument, section 3). */
export function intBytes(n: number): number {
  const argument = n < 0 ? -1 - n : n;
  return argument < 24 ? 1 : argument < 0x100 ? 2 : argument < 0x10000 ? 3 : argument < TWO_32 ? 5 : 9;
}

/** One value as CBOR bytes. */
export function encodeCbor(value: CborValue): Uint8Array {
  return new CborWriter().value(value).finish();
}
