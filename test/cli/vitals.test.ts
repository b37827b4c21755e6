// The simulated sensor chain of one device on a manual clock: chip models on the virtual bus, the
// firmware drivers and estimator, advanced by the Clock port's ticks.
import { describe, expect, it } from "vitest";
import { SimulatedVitals } from "../../host-sim/device/vitals.js";
import { lightSource } from "../../host-sim/device/light.js";
import { ManualClock } from "../support/manual-clock.js";

describe("simulated vitals", () => {
  it.each(["tmp117", "max30205"] as const)("estimates the synthetic pulse rate and reads the skin temperature from a %s", (thermometer) => {
    const clock = new ManualClock();
    const vitals = new SimulatedVitals({ clock, light: lightSource({ kind: "constant", bpm: 84 }, 7), temperature: () => 37.2, thermometer });
    vitals.start();
    expect(vitals.sources.hr()).toBeUndefined(); // no estimate before a full window of pulse
    clock.advance(20_000);
    expect(vitals.sources.hr()).toBeGreaterThan(81);
    expect(vitals.sources.hr()).toBeLessThan(87);
    expect(vitals.sources.temp()).toBeCloseTo(37.2, 1);
    expect(vitals.bus.now).toBeGreaterThanOrEqual(19_900); // the chips followed the clock
    vitals.close();
    expect(clock.pending).toBe(0);
  });

  it("follows an exercise ramp upwards", () => {
    const clock = new ManualClock();
    const vitals = new SimulatedVitals({ clock, light: lightSource({ kind: "ramp", periodSeconds: 100 }, 3), temperature: () => 36.6 });
    vitals.start();
    clock.advance(19_000);
    const rest = vitals.sources.hr()!;
    clock.advance(60_000);
    const hard = vitals.sources.hr()!;
    expect(rest).toBeLessThan(75);
    expect(hard).toBeGreaterThan(rest + 50);
    vitals.close();
  });

  it("a stalled drain overflows the FIFO and the estimate recovers afterwards", () => {
    const clock = new ManualClock();
    const vitals = new SimulatedVitals({ clock, light: lightSource({ kind: "constant", bpm: 66 }, 5), temperature: () => 36.6, drainMs: 2_000 });
    vitals.start();
    // Draining every 2 s loses most samples (the FIFO holds 320 ms): no valid estimate comes out.
    clock.advance(30_000);
    expect(vitals.sources.hr()).toBeUndefined();
    vitals.close();
  });
});
