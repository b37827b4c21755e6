import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { crc32 as zlibCrc32 } from "node:zlib";
import { crc32 } from "../../firmware/telemetry/crc32.js";

const ascii = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0)));

describe("crc32", () => {
  it("gives the CRC-32/ISO-HDLC check value for '123456789'", () => {
    expect(crc32(ascii("123456789"))).toBe(0xcbf43926);
  });
  it("is 0 for no bytes and matches known short values", () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii("a"))).toBe(0xe8b7be43);
    expect(crc32(ascii("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
  });
  it("agrees with node:zlib on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc32(bytes)).toBe(zlibCrc32(bytes));
      }),
      { seed: 42, numRuns: 300 },
    );
  });
  it("continues over a split range exactly as over the whole", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (bytes, k) => {
        const cut = bytes.length === 0 ? 0 : k % (bytes.length + 1);
        expect(crc32(bytes, cut, bytes.length, crc32(bytes, 0, cut))).toBe(crc32(bytes));
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});
