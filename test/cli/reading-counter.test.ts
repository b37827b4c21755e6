// Readings per telemetry PUBLISH, from the SenML pack in either format.
import { describe, expect, it } from "vitest";
import { encodeTelemetry } from "../../firmware/telemetry/payload.js";
import { packInfo } from "../../host-sim/device/reading-counter.js";

const readings = (n: number) => Array.from({ length: n }, (_, i) => ({ seq: 40 + i, kind: i % 2 ? ("temp" as const) : ("hr" as const), value: 70 + i, time: 1.8e12 + i * 1000 }));

describe("readings in a pack", () => {
  it("counts JSON records and finds the highest seq", () => {
    expect(packInfo(encodeTelemetry("w/", readings(5), "json").bytes)).toEqual({ readings: 5, lastSeq: 44 });
  });
  it("counts CBOR records from the array head (short and one-byte counts)", () => {
    expect(packInfo(encodeTelemetry("w/", readings(3), "cbor").bytes).readings).toBe(3);
    expect(packInfo(encodeTelemetry("w/", readings(30), "cbor").bytes).readings).toBe(30);
  });
});
