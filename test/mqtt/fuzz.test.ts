// A bounded, seeded run of the decoder fuzzer (the long run is `npm run fuzz`).
import { describe, expect, it } from "vitest";
import { runFuzz } from "../../support/mqtt-fuzzer.js";

describe("decoder fuzzing", () => {
  it("random and mutated bytes yield only packets that round-trip, or typed errors", () => {
    const report = runFuzz(30_000, 20260522);
    expect(report.failures).toEqual([]);
    // The inputs reached both outcomes, and every kind of typed error.
    expect(report.packets).toBeGreaterThan(5_000);
    expect(report.typedErrors).toBeGreaterThan(5_000);
    expect(Object.keys(report.errorCodes).sort()).toEqual(["malformed-packet", "packet-too-large", "protocol-error"]);
  }, 120_000);
});
