import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CborError, CborWriter, encodeCbor, type CborValue } from "../../firmware/telemetry/cbor.js";
import { decodeCbor, Tagged } from "../../support/cbor-decode.js";
import { oracleDecode } from "../../support/cbor-oracle.js";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const fromHex = (h: string) => new Uint8Array(h.match(/../g)?.map((x) => parseInt(x, 16)) ?? []);

// RFC 8949 Appendix A: diagnostic value -> preferred encoding. Integral floats (0.0, 1.0, -4.0, ...) are
// written with float() because a JavaScript number cannot say it is a float.
describe("CBOR encoder: RFC 8949 Appendix A vectors", () => {
  const integers: [number, string][] = [
    [0, "00"],
    [1, "01"],
    [10, "0a"],
    [23, "17"],
    [24, "1818"],
    [25, "1819"],
    [100, "1864"],
    [1000, "1903e8"],
    [1000000, "1a000f4240"],
    [1000000000000, "1b000000e8d4a51000"],
    [-1, "20"],
    [-10, "29"],
    [-100, "3863"],
    [-1000, "3903e7"],
  ];
  it.each(integers)("integer %d -> %s", (value, expected) => {
    expect(hex(encodeCbor(value))).toBe(expected);
  });

  const floats: [number, string][] = [
    [0.0, "f90000"],
    [-0.0, "f98000"],
    [1.0, "f93c00"],
    [1.1, "fb3ff199999999999a"],
    [1.5, "f93e00"],
    [65504.0, "f97bff"],
    [100000.0, "fa47c35000"],
    [3.4028234663852886e38, "fa7f7fffff"],
    [1.0e300, "fb7e37e43c8800759c"],
    [5.960464477539063e-8, "f90001"],
    [0.00006103515625, "f90400"],
    [-4.0, "f9c400"],
    [-4.1, "fbc010666666666666"],
    [Infinity, "f97c00"],
    [NaN, "f97e00"],
    [-Infinity, "f9fc00"],
  ];
  it.each(floats)("float %d -> %s", (value, expected) => {
    expect(hex(new CborWriter().float(value).finish())).toBe(expected);
  });
  it("number() keeps non-integers and -0 as floats and large integers beyond 2^53 as floats", () => {
    expect(hex(encodeCbor(1.5))).toBe("f93e00");
    expect(hex(encodeCbor(-0))).toBe("f98000");
    expect(hex(encodeCbor(1.0e300))).toBe("fb7e37e43c8800759c");
    expect(hex(encodeCbor(2 ** 64))).toBe("fa5f800000");
    expect(hex(encodeCbor(Number.MAX_SAFE_INTEGER))).toBe("1b001fffffffffffff");
    expect(hex(encodeCbor(Number.MIN_SAFE_INTEGER))).toBe("3b001ffffffffffffe");
  });
  it("float64() always writes 9 bytes", () => {
    expect(hex(new CborWriter().float64(1.5).finish())).toBe("fb3ff8000000000000");
  });

  const others: [string, CborValue, string][] = [
    ["false", false, "f4"],
    ["true", true, "f5"],
    ["null", null, "f6"],
    ["undefined", undefined, "f7"],
    ["h''", new Uint8Array(0), "40"],
    ["h'01020304'", fromHex("01020304"), "4401020304"],
    ['""', "", "60"],
    ['"a"', "a", "6161"],
    ['"IETF"', "IETF", "6449455446"],
    ['"\\"\\\\"', '"\\', "62225c"],
    ['"\\u00fc"', "\u00fc", "62c3bc"],
    ['"\\u6c34"', "\u6c34", "63e6b0b4"],
    ['"\\ud800\\udd51"', "\ud800\udd51", "64f0908591"],
    ["[]", [], "80"],
    ["[1, 2, 3]", [1, 2, 3], "83010203"],
    ["[1, [2, 3], [4, 5]]", [1, [2, 3], [4, 5]], "8301820203820405"],
    [
      "[1, 2, ..., 25]",
      Array.from({ length: 25 }, (_, i) => i + 1),
      "98190102030405060708090a0b0c0d0e0f101112131415161718181819",
    ],
    ["{}", {}, "a0"],
    [
      "{1: 2, 3: 4}",
      new Map<CborValue, CborValue>([
        [1, 2],
        [3, 4],
      ]),
      "a201020304",
    ],
    ['{"a": 1, "b": [2, 3]}', { a: 1, b: [2, 3] }, "a26161016162820203"],
    ['["a", {"b": "c"}]', ["a", { b: "c" }], "826161a161626163"],
    ['{"a": "A", ..., "e": "E"}', { a: "A", b: "B", c: "C", d: "D", e: "E" }, "a56161614161626142616361436164614461656145"],
  ];
  it.each(others)("%s", (_name, value, expected) => {
    expect(hex(encodeCbor(value))).toBe(expected);
  });
  it("decimal fraction (tag 4, section 3.4.4) 273.15 -> c48221196ab3, read by the oracle as 273.15", () => {
    const bytes = new CborWriter().decimal(27315, -2).finish();
    expect(hex(bytes)).toBe("c48221196ab3");
    expect(oracleDecode(bytes)).toBe(273.15);
  });

  it("tag 1 (epoch time) 1363896240 -> c11a514b67b0", () => {
    expect(hex(new CborWriter().tag(1).uint(1363896240).finish())).toBe("c11a514b67b0");
  });
});

describe("CBOR encoder: errors and buffer growth", () => {
  it("refuses lone surrogates and U+0000 with a typed error", () => {
    expect(() => encodeCbor("a\ud800")).toThrow(expect.objectContaining({ code: "invalid-text" }));
    expect(() => encodeCbor("\u0000")).toThrow(CborError);
    expect(() => new CborWriter().uint(-1)).toThrow(expect.objectContaining({ code: "unsupported-value" }));
    expect(() => new CborWriter().int(1.5)).toThrow(CborError);
    expect(() => new CborWriter().array(-1)).toThrow(expect.objectContaining({ code: "invalid-length" }));
    expect(() => encodeCbor((() => 1) as unknown as CborValue)).toThrow(CborError);
  });
  it("grows past its initial capacity without corrupting earlier bytes", () => {
    const long = "x".repeat(5000);
    const bytes = new CborWriter(16).array(2).text(long).bytes(new Uint8Array(300).fill(7)).finish();
    expect(decodeCbor(bytes).value).toEqual([long, new Uint8Array(300).fill(7)]);
  });
});

describe("CBOR encoder: property — round trip through our test decoder and the cbor-x oracle", () => {
  const leaf = fc.oneof(
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc.double(),
    fc.float().map((f) => Math.fround(f)),
    fc.string({ unit: "grapheme" }).filter((s) => !s.includes("\u0000")),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }),
  );
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("array"), tie("object")),
    array: fc.array(tie("node"), { maxLength: 6 }),
    object: fc.dictionary(fc.string().filter((s) => !s.includes("\u0000") && s !== "__proto__"), tie("node"), { maxKeys: 5 }),
  })).node as fc.Arbitrary<CborValue>;

  const toJs = (v: unknown): unknown => {
    if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toJs(x)]));
    if (Array.isArray(v)) return v.map(toJs);
    if (v instanceof Tagged) return v;
    return v;
  };

  it("decodes to the same value and uses preferred serialization", () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = encodeCbor(v);
        const decoded = decodeCbor(bytes);
        expect(decoded.preferred).toBe(true);
        expect(toJs(decoded.value)).toEqual(v);
        expect(toJs(oracleDecode(bytes))).toEqual(v);
      }),
      { seed: 8949, numRuns: 500 },
    );
  });

  it("picks the shortest float width that is exact", () => {
    // Every value float16 can hold, decoded independently of the encoder.
    const halves = new Set<string>();
    for (let h = 0; h < 0x10000; h++) {
      const v = decodeCbor(new Uint8Array([0xf9, h >> 8, h & 0xff])).value as number;
      if (!Number.isNaN(v)) halves.add(Object.is(v, -0) ? "-0" : String(v));
    }
    const inHalf = (d: number) => halves.has(Object.is(d, -0) ? "-0" : String(d));
    const doubles = fc.oneof(
      fc.double({ noNaN: true }),
      fc.float({ noNaN: true }).map((f) => Math.fround(f)),
      fc.integer({ min: -2048, max: 2048 }).chain((n) => fc.integer({ min: -30, max: 20 }).map((e) => n * 2 ** e)),
    );
    let seen = [0, 0, 0];
    fc.assert(
      fc.property(doubles, (d) => {
        const bytes = new CborWriter().float(d).finish();
        expect(Object.is(decodeCbor(bytes).value, d)).toBe(true);
        expect(Object.is(oracleDecode(bytes), d)).toBe(true);
        const width = bytes.length - 1;
        expect(width).toBe(inHalf(d) ? 2 : Math.fround(d) === d ? 4 : 8);
        seen = seen.map((c, i) => c + (width === [2, 4, 8][i] ? 1 : 0));
      }),
      { seed: 16, numRuns: 1000 },
    );
    expect(Math.min(...seen)).toBeGreaterThan(20);
  });
});
