// The sensor drivers run in XS against the host-sim chip models (I2C forwarded to Node) and must read
// exactly what the same drivers read under Node from an identical bus: same samples, same losses, same
// typed errors.
import { afterEach, describe, expect, it } from "vitest";
import { SensorError } from "../../firmware/sensors/sensor-error.js";
import { VirtualI2CBus } from "../../host-sim/chips/bus.js";
import { ArmMotion } from "../../host-sim/chips/arm-motion.js";
import { Lis2dh12Model } from "../../host-sim/chips/lis2dh12-model.js";
import { Max30102Model } from "../../host-sim/chips/max30102-model.js";
import { Max30205Model } from "../../host-sim/chips/max30205-model.js";
import { Tmp117Model } from "../../host-sim/chips/tmp117-model.js";
import type { OpticalSource } from "../../host-sim/chips/optical.js";
import { XsFirmware } from "../../host-sim/xs/firmware.js";
import { SyntheticPpg } from "../../host-sim/chips/ppg-synthetic.js";
import { type BeatReading, sensorSteps } from "./entries/sensor-steps.js";

/** A pulsing finger: 72 bpm on both LEDs with a slow baseline drift (deterministic). */
const pulse: OpticalSource = {
  sample(t, out) {
    const beat = Math.sin(2 * Math.PI * 1.2 * t);
    out.red = 4000 + 60 * beat + 20 * Math.sin(2 * Math.PI * 0.1 * t);
    out.ir = 5200 + 90 * beat;
    out.ambient = 50;
  },
};

function rig(part: "max30205" | "tmp117") {
  const bus = new VirtualI2CBus();
  bus.attach(new Max30102Model({ source: pulse }));
  bus.attach(part === "max30205" ? new Max30205Model({ temperature: 36.6 }) : new Tmp117Model({ temperature: 36.6 }));
  return bus;
}

let xs: XsFirmware | undefined;
afterEach(async () => {
  await xs?.close();
  xs = undefined;
});

describe("sensor drivers in XS on the chip models", () => {
  for (const part of ["max30205", "tmp117"] as const) {
    it(`reads the MAX30102 FIFO and the ${part} exactly as under Node, across overflow and bus faults`, async () => {
      const xsBus = rig(part);
      const nodeBus = rig(part);
      const node = sensorSteps(nodeBus.io);
      xs = await XsFirmware.start({ entry: "test/xs/entries/sensors.ts", ports: { I2C: xsBus.io } });
      const settings = { mode: "spo2", sampleRate: 400, sampleAverage: 4 } as const;
      expect(await xs.call("openPpg", settings)).toEqual(node.openPpg(settings));
      expect(await xs.call("openThermometer", part)).toEqual(node.openThermometer(part));

      let samples = 0;
      let lost = 0;
      // 100 samples/s: a drain every 150 ms finds 15; the 500 ms gap overflows the 32-deep FIFO.
      for (const ms of [150, 150, 150, 500, 150, 150]) {
        xsBus.advance(ms);
        nodeBus.advance(ms);
        const fromXs = await xs.call("drainPpg");
        expect(fromXs).toEqual(node.drainPpg());
        samples += (fromXs as { count: number }).count;
        lost += (fromXs as { lost: number }).lost;
      }
      expect(samples).toBeGreaterThan(100);
      expect(lost).toBeGreaterThan(0);
      expect(await xs.call("readTemperature")).toEqual(node.readTemperature());

      xsBus.failNext(1, "bus-error", { address: 0x57 });
      const error = await xs.call("drainPpg").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SensorError);
      expect(error).toMatchObject({ code: "bus", part: "MAX30102", address: 0x57 });
      nodeBus.failNext(1, "bus-error", { address: 0x57 });
      expect(() => node.drainPpg()).toThrow(SensorError);

      xsBus.advance(100);
      nodeBus.advance(100);
      const after = await xs.call<{ discontinuity: boolean }>("drainPpg");
      expect(after).toEqual(node.drainPpg());
      expect(after.discontinuity).toBe(true); // the failed read is reported, not hidden
      await xs.call("closeAll");
    });
  }

  it("estimates heart rate in XS from synthetic PPG exactly as under Node", async () => {
    const source = () => new SyntheticPpg({ seed: 7, heartRate: () => 84, variability: 0.02, noise: 0.002 });
    const xsBus = new VirtualI2CBus();
    xsBus.attach(new Max30102Model({ source: source() }));
    const nodeBus = new VirtualI2CBus();
    nodeBus.attach(new Max30102Model({ source: source() }));
    const node = sensorSteps(nodeBus.io);
    xs = await XsFirmware.start({ entry: "test/xs/entries/sensors.ts", ports: { I2C: xsBus.io } });
    const settings = { mode: "spo2", sampleRate: 400, sampleAverage: 4 } as const;
    expect(await xs.call("openPipeline", settings)).toBe(node.openPipeline(settings));
    const fromXs: BeatReading[] = [];
    const fromNode: BeatReading[] = [];
    for (let t = 0; t < 30_000; t += 100) {
      xsBus.advance(100);
      nodeBus.advance(100);
      fromXs.push(...(await xs.call<BeatReading[]>("drainIntoEstimator")));
      fromNode.push(...node.drainIntoEstimator());
    }
    expect(fromXs).toEqual(fromNode);
    const valid = fromXs.filter((r) => r.valid);
    expect(valid.length).toBeGreaterThan(5);
    for (const r of valid) expect(Math.abs(r.bpm! - 84)).toBeLessThan(3);
  });

  it("reads the LIS2DH12 FIFO in XS exactly as under Node, across an overflow", async () => {
    const arm = () => new ArmMotion({ seed: 5, episodes: [{ kind: "gesture", start: 0.5, duration: 3, amplitude: 0.8 }] });
    const xsBus = new VirtualI2CBus();
    xsBus.attach(new Lis2dh12Model({ source: arm() }));
    const nodeBus = new VirtualI2CBus();
    nodeBus.attach(new Lis2dh12Model({ source: arm() }));
    const node = sensorSteps(nodeBus.io);
    xs = await XsFirmware.start({ entry: "test/xs/entries/sensors.ts", ports: { I2C: xsBus.io } });
    expect(await xs.call("openAccelerometer")).toEqual(node.openAccelerometer());
    let samples = 0;
    for (const ms of [100, 100, 1500, 100, 100]) {
      xsBus.advance(ms);
      nodeBus.advance(ms);
      const fromXs = await xs.call<{ count: number; discontinuity: boolean }>("drainAccelerometer");
      expect(fromXs).toEqual(node.drainAccelerometer());
      samples += fromXs.count;
    }
    expect(samples).toBeGreaterThan(35);
    await xs.call("closeAll");
  });

  it("reports a missing chip as SensorError absent, from XS", async () => {
    const bus = new VirtualI2CBus(); // nothing attached: every address NACKs
    xs = await XsFirmware.start({ entry: "test/xs/entries/sensors.ts", ports: { I2C: bus.io } });
    const error = await xs.call("openPpg", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SensorError);
    expect(error).toMatchObject({ code: "absent" });
  });
});
