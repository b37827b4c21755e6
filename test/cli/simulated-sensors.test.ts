// The simulated sensor chain of one device on a manual clock: chip models on the virtual bus, the
// firmware drivers and estimator, advanced by the Clock port's ticks.
import { describe, expect, it } from "vitest";
import { SimulatedVitals } from "../../host-sim/device/simulated-sensors.js";
import { lightSource } from "../../host-sim/device/light.js";
import { ManualClock } from "../support/manual-clock.js";

describe("simulated vitals", () => {
  it.each(["tmp117", "max30205"] as const)("estimates the synthetic pulse rate and reads the skin temperature from a %s", (thermometer) => {
    const clock = new ManualClock();
    const vitals = new SimulatedVitals({ clock, light: lightSource({ kind: "constant", bpm: 84 }, 7), temperature: () => 37.2, thermometer });
    const pushed: { kind: string; bpm: number; ticks: number }[] = [];
    vitals.sink = { offer: (kind, bpm, ticks) => pushed.push({ kind, bpm, ticks }) };
    vitals.start();
    clock.advance(7_900);
    expect(pushed).toEqual([]); // no estimate before a full window of pulse
    expect(vitals.bpm).toBeUndefined();
    clock.advance(12_100);
    expect(pushed.length).toBeGreaterThan(0);
    for (const p of pushed) {
      expect(p.kind).toBe("hr");
      expect(Math.abs(p.bpm - 84)).toBeLessThan(3);
    }
    expect(pushed.at(-1)!.ticks).toBeLessThanOrEqual(20_000);
    expect(vitals.bpm).toBe(pushed.at(-1)!.bpm);
    expect(vitals.sources.temp!()).toBeCloseTo(37.2, 1);
    expect(vitals.bus.now).toBeGreaterThanOrEqual(19_900); // the chips followed the clock
    vitals.close();
    expect(clock.pending).toBe(0);
  });

  it("follows an exercise ramp upwards", () => {
    const clock = new ManualClock();
    const vitals = new SimulatedVitals({ clock, light: lightSource({ kind: "ramp", periodSeconds: 100 }, 3), temperature: () => 36.6 });
    vitals.start();
    clock.advance(19_000);
    const rest = vitals.bpm!;
    clock.advance(60_000);
    const hard = vitals.bpm!;
    expect(rest).toBeLessThan(75);
    expect(hard).toBeGreaterThan(rest + 50);
    vitals.close();
  });

  it("a stalled drain overflows the FIFO and the estimate recovers afterwards", () => {
    const clock = new ManualClock();
    const vitals = new SimulatedVitals({ clock, light: lightSource({ kind: "constant", bpm: 66 }, 5), temperature: () => 36.6, drainMs: 2_000 });
    vitals.start();
    // Draining every 2 s loses most samples (the FIFO holds 320 ms): no valid estimate comes out.
    const pushed: number[] = [];
    vitals.sink = { offer: (_kind, bpm) => pushed.push(bpm) };
    clock.advance(30_000);
    expect(pushed).toEqual([]);
    expect(vitals.bpm).toBeUndefined();
    vitals.close();
  });
});
