// The firmware's own UTF-8 encoder and validating decoder, against the host's (Buffer, fatal TextDecoder).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProtocolError } from "../../firmware/mqtt/codec/protocol-error.js";
import { decodeUtf8, encodeUtf8, utf8Length } from "../../firmware/mqtt/common/utf8.js";

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const anyString = fc.string({ unit: fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), fc.constantFrom("a", "é", "€", "😀")), maxLength: 64 });

function decodeAll(bytes: Uint8Array): string {
  return decodeUtf8(bytes, 0, bytes.length);
}

describe("UTF-8", () => {
  it("encodes like the host and decodes back, for any string without U+0000", () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        const s = raw.replaceAll("\u0000", "");
        const expected = new Uint8Array(Buffer.from(s, "utf8"));
        expect(utf8Length(s)).toBe(expected.length);
        expect(encodeUtf8(s)).toEqual(expected);
        expect(decodeAll(expected)).toBe(s);
      }),
      { numRuns: 3000, seed: 8 },
    );
  });

  it("accepts exactly the byte strings a fatal TextDecoder accepts, minus U+0000", () => {
    const nearlyUtf8 = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.array(fc.constantFrom(0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xa0, 0x9f, 0xf0, 0xf4, 0xf5, 0x90, 0x8f, 0xff), { maxLength: 12 }).map(
        (a) => Uint8Array.from(a),
      ),
    );
    fc.assert(
      fc.property(nearlyUtf8, (bytes) => {
        let expected: string | undefined;
        try {
          expected = strict.decode(bytes);
          if (expected.includes("\u0000")) expected = undefined;
        } catch {
          expected = undefined;
        }
        let actual: string | undefined;
        try {
          actual = decodeAll(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as ProtocolError).code).toBe("malformed-packet");
        }
        expect(actual).toBe(expected);
      }),
      { numRuns: 5000, seed: 9 },
    );
  });

  it.each([
    ["overlong '/' (C0 AF)", "c0af"],
    ["overlong 3-byte (E0 80 AF)", "e080af"],
    ["overlong 4-byte (F0 80 80 AF)", "f08080af"],
    ["encoded high surrogate U+D800", "eda080"],
    ["encoded low surrogate U+DFFF", "edbfbf"],
    ["above U+10FFFF (F4 90 80 80)", "f4908080"],
    ["F5 lead byte", "f5808080"],
    ["lone continuation byte", "80"],
    ["truncated 2-byte sequence", "c3"],
    ["truncated 4-byte sequence", "f09f98"],
    ["U+0000", "00"],
  ])("rejects %s as a Malformed Packet citing 1.5.4", (_name, hex) => {
    const bytes = new Uint8Array(Buffer.from(hex, "hex"));
    expect(() => decodeAll(bytes)).toThrow(ProtocolError);
    expect(() => decodeAll(bytes)).toThrow(/^MQTT 1\.5\.4/);
  });

  it("cites the section it is given (3.1.1 numbers the rule 1.5.3)", () => {
    expect(() => decodeUtf8(Uint8Array.of(0xff), 0, 1, "1.5.3")).toThrow(/^MQTT 1\.5\.3/);
  });

  it("refuses to encode U+0000 and lone surrogates", () => {
    expect(() => encodeUtf8("a\u0000")).toThrow(ProtocolError);
    expect(() => encodeUtf8("\ud83d")).toThrow(ProtocolError);
    expect(() => encodeUtf8("\ude00x")).toThrow(ProtocolError);
    expect(() => encodeUtf8("\ude00\ud83d")).toThrow(ProtocolError);
  });

  it("decodes long strings, ASCII and not, within a larger buffer", () => {
    const ascii = "abcdefghij".repeat(700);
    const mixed = "aé€😀".repeat(900);
    for (const s of [ascii, mixed]) {
      const inner = Buffer.from(s, "utf8");
      const outer = new Uint8Array(inner.length + 6);
      outer.set(inner, 3);
      expect(decodeUtf8(outer, 3, 3 + inner.length)).toBe(s);
    }
  });
});
