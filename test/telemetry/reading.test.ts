import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeReading, encodeReading, ReadingFormatError, type Reading } from "../../firmware/telemetry/reading.js";

describe("stored reading codec", () => {
  it("round-trips readings with and without a wall time", () => {
    const reading = fc.record(
      { kind: fc.constantFrom("hr" as const, "temp" as const), value: fc.double(), ticks: fc.double(), time: fc.double() },
      { requiredKeys: ["kind", "value", "ticks"] },
    ) as fc.Arbitrary<Reading>;
    fc.assert(
      fc.property(reading, (r) => {
        const bytes = encodeReading(r);
        expect(bytes.length).toBe(r.time === undefined ? 18 : 26);
        expect(decodeReading(bytes)).toEqual(r);
      }),
      { seed: 1, numRuns: 300 },
    );
  });
  it("decodes from a view into a larger buffer", () => {
    const inner = encodeReading({ kind: "temp", value: 36.5, ticks: 42 });
    const outer = new Uint8Array(inner.length + 5);
    outer.set(inner, 3);
    expect(decodeReading(outer.subarray(3, 3 + inner.length))).toEqual({ kind: "temp", value: 36.5, ticks: 42 });
  });
  it("refuses bytes that are not a stored reading", () => {
    expect(() => decodeReading(new Uint8Array([9, 0, ...new Array(16).fill(0)]))).toThrow(ReadingFormatError);
    expect(() => decodeReading(new Uint8Array([1, 1, ...new Array(16).fill(0)]))).toThrow(expect.objectContaining({ code: "reading-format" }));
    expect(() => decodeReading(new Uint8Array(0))).toThrow(ReadingFormatError);
  });
});
