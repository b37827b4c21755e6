import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeReading, encodeReading, READING_BYTES, ReadingFormatError, type StoredReading } from "../../firmware/telemetry/reading.js";

/** Readings as the app stores them: at their kind's resolution, with a wall time or with boot and ticks. */
const reading: fc.Arbitrary<StoredReading> = fc.oneof(
  fc.record({
    kind: fc.constant("hr" as const),
    value: fc.integer({ min: 25, max: 250 }),
    time: fc.integer({ min: 1_700_000_000_000, max: 4_000_000_000_000 }),
    boot: fc.constant(0),
    ticks: fc.constant(0),
  }),
  fc.record({
    kind: fc.constant("temp" as const),
    value: fc.integer({ min: 300, max: 450 }).map((v) => v / 10),
    time: fc.constant(undefined),
    boot: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    ticks: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  }),
);

describe("stored reading codec", () => {
  it("round-trips readings with a wall time, and with their boot and ticks, in READING_BYTES", () => {
    fc.assert(
      fc.property(reading, (r) => {
        const bytes = encodeReading(r);
        expect(bytes.length).toBe(READING_BYTES);
        expect(decodeReading(bytes)).toEqual(r);
      }),
      { seed: 1, numRuns: 300 },
    );
  });
  it("decodes from a view into a larger buffer, and into a given object", () => {
    const inner = encodeReading({ kind: "temp", value: 36.5, boot: 7, ticks: 42 });
    const outer = new Uint8Array(inner.length + 5);
    outer.set(inner, 3);
    const into: StoredReading = { kind: "hr", value: 0, boot: 0, ticks: 0, time: 5 };
    expect(decodeReading(outer.subarray(3, 3 + inner.length), into)).toBe(into);
    expect(into).toEqual({ kind: "temp", value: 36.5, time: undefined, boot: 7, ticks: 42 });
  });
  it("refuses bytes that are not a stored reading, and a value its form cannot hold", () => {
    expect(() => decodeReading(new Uint8Array([9, 0, ...new Array(10).fill(0)]))).toThrow(ReadingFormatError);
    expect(() => decodeReading(new Uint8Array([1, 2, ...new Array(10).fill(0)]))).toThrow(expect.objectContaining({ code: "reading-format" }));
    expect(() => decodeReading(new Uint8Array(0))).toThrow(ReadingFormatError);
    expect(() => encodeReading({ kind: "hr", value: 40_000, boot: 1, ticks: 0 })).toThrow(ReadingFormatError);
  });
});
