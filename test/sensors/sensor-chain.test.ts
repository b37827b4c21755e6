// The device's sensor chain (firmware/sensors/sensor-chain.ts) on the register-level chip models of
// host-sim/chips, and the lin simulator's chain on the simulated light source: both must give the app
// heart rates near the truth and skin temperatures, and report parts that are missing. Heart rate is pushed
// (each valid estimate once, stamped at its window's end); temperature is polled.
import { describe, expect, it } from "vitest";
import { startSensors as startSimulatedSensors } from "../../firmware/platform/moddable/sensors-simulated.js";
import type * as DeviceSensors from "../../firmware/platform/moddable/sensors.js";
import { DRAIN_MS, runVitals, startVitals, type Vitals } from "../../firmware/sensors/sensor-chain.js";
import { SensorError } from "../../firmware/sensors/sensor-error.js";
import { Max30102 } from "../../firmware/sensors/max30102.js";
import { SimulatedPpg, SimulatedThermometer } from "../../firmware/simulated/ppg.js";
import { VirtualI2CBus } from "../../host-sim/chips/bus.js";
import { Max30102Model } from "../../host-sim/chips/max30102-model.js";
import { Lis2dh12Model } from "../../host-sim/chips/lis2dh12-model.js";
import { Max30205Model } from "../../host-sim/chips/max30205-model.js";
import { walking } from "../../host-sim/chips/ppg-scenarios.js";
import { SyntheticPpg } from "../../host-sim/chips/ppg-synthetic.js";
import { Tmp117Model } from "../../host-sim/chips/tmp117-model.js";
import { ManualClock } from "../support/manual-clock.js";

// The lin build maps the module "platform/moddable/sensors" to sensors-simulated.ts: same signature.
const sameShape: typeof DeviceSensors.startSensors = startSimulatedSensors;
void sameShape;

/** Advances the clock and the chips together, in steps well below any drain period (the chips are never
 *  more than a step ahead of a drain). */
const STEP_MS = 50;
function run(clock: ManualClock, bus: VirtualI2CBus | undefined, seconds: number): void {
  for (let t = 0; t < seconds * 1000; t += STEP_MS) {
    bus?.advance(STEP_MS);
    clock.advance(STEP_MS);
  }
}

/** Over `seconds`: the heart rates the chain pushes (with their times and the estimator's sample count
 *  when each was made), and the temperatures polled every `every` seconds, as the app's timer would. */
function readings(clock: ManualClock, bus: VirtualI2CBus | undefined, vitals: Vitals, seconds: number, every = 5) {
  const hr: number[] = [];
  const pushed: { kind: string; bpm: number; ticks: number; at: number }[] = [];
  const temp: number[] = [];
  vitals.sink = {
    offer(kind, bpm, ticks) {
      hr.push(bpm);
      pushed.push({ kind, bpm, ticks, at: vitals.estimator!.reading.at });
    },
  };
  for (let t = 0; t < seconds; t += every) {
    run(clock, bus, every);
    const c = vitals.sources.temp?.();
    if (c !== undefined) temp.push(c);
  }
  vitals.sink = undefined;
  return { hr, pushed, temp };
}

describe("device sensor chain on the chip models", () => {
  it("MAX30102 + TMP117: heart rate near the truth, skin temperature, no errors", () => {
    const clock = new ManualClock();
    const bus = new VirtualI2CBus();
    bus.attach(new Max30102Model({ source: new SyntheticPpg({ seed: 7, heartRate: () => 75 }) }));
    bus.attach(new Tmp117Model({ temperature: 36.2 }));
    const errors: Error[] = [];
    const vitals = startVitals({ io: bus.io }, clock, (e) => errors.push(e));
    const { hr, temp } = readings(clock, bus, vitals, 60);
    vitals.close();
    expect(errors).toEqual([]);
    expect(hr.length).toBeGreaterThanOrEqual(8); // valid from ~10 s on
    for (const bpm of hr) expect(Math.abs(bpm - 75)).toBeLessThan(3);
    expect(temp.length).toBeGreaterThan(0);
    for (const c of temp) expect(c).toBeCloseTo(36.2, 1);
    expect(clock.pending).toBe(0); // close() stopped the drain timer
  });

  it("drives the IR LED alone, red off (nothing reads red): 7.2 mA pulses, one 3-byte channel, 100 samples/s", () => {
    const clock = new ManualClock();
    const bus = new VirtualI2CBus();
    const model = new Max30102Model({ source: new SyntheticPpg({ seed: 7, heartRate: () => 75 }) });
    bus.attach(model);
    const vitals = startVitals({ io: bus.io }, clock, () => {});
    expect(model.regs[0x09] & 0x07).toBe(0x07); // MODE_CONFIG: multi-LED
    expect(model.regs[0x11]).toBe(0x02); // SLOT1 = LED2 (IR), SLOT2 off
    expect(model.regs[0x12]).toBe(0x00);
    expect(model.regs[0x0c]).toBe(0); // LED1 (red) amplitude
    expect(model.regs[0x0d] * 0.2).toBeCloseTo(7.2); // LED2 (IR), 0.2 mA a step
    expect(model.outputRate).toBe(100);
    const { hr } = readings(clock, bus, vitals, 40);
    vitals.close();
    expect(hr.length).toBeGreaterThan(10);
    for (const bpm of hr) expect(Math.abs(bpm - 75)).toBeLessThan(3);
  });

  it("pushes each valid estimate once, stamped with the end of its window on the monotonic clock", () => {
    const clock = new ManualClock();
    const bus = new VirtualI2CBus();
    bus.attach(new Max30102Model({ source: new SyntheticPpg({ seed: 7, heartRate: () => 75 }) }));
    // Drained every 300 ms, so a window (200 samples, 2 s) mostly ends between two drains.
    const ppg = new Max30102({ sensor: { io: bus.io }, mode: "spo2", sampleRate: 400, sampleAverage: 4 });
    const vitals = runVitals(clock, ppg, undefined, () => {}, 300);
    // No sink yet: estimates are made and not kept anywhere.
    run(clock, bus, 20);
    expect(vitals.estimator!.reading.valid).toBe(true);
    const { pushed } = readings(clock, bus, vitals, 40);
    vitals.close();
    // A reading every 2 s step of the estimator, each once: 20 windows end within 40 s (21 when the drain
    // after the sink was set found one that ended just before).
    expect(pushed.length).toBeGreaterThanOrEqual(20);
    expect(pushed.length).toBeLessThanOrEqual(21);
    for (const p of pushed) expect(p.kind).toBe("hr");
    for (let i = 1; i < pushed.length; i++) {
      expect(pushed[i].at - pushed[i - 1].at).toBe(200); // samples: one step, never the same estimate twice
      expect(pushed[i].ticks - pushed[i - 1].ticks).toBeCloseTo(2000, -1);
    }
    // The stamp is the window's last sample, not the drain that found it: 100 samples/s from tick 0.
    for (const p of pushed) expect(Math.abs(p.ticks - p.at * 10)).toBeLessThanOrEqual(10);
    expect(pushed.filter((p) => p.ticks % 300 !== 0).length).toBeGreaterThan(10);
  });

  it("falls back to a MAX30205 at 0x48 when no TMP117 answers", () => {
    const clock = new ManualClock();
    const bus = new VirtualI2CBus();
    bus.attach(new Max30102Model({ source: new SyntheticPpg({ seed: 3, heartRate: () => 60 }) }));
    bus.attach(new Max30205Model({ temperature: 35.9 }));
    const errors: Error[] = [];
    const vitals = startVitals({ io: bus.io }, clock, (e) => errors.push(e));
    const { temp } = readings(clock, bus, vitals, 20);
    vitals.close();
    expect(errors).toEqual([]);
    expect(temp.length).toBeGreaterThan(0);
    expect(temp[0]).toBeCloseTo(35.9, 1);
  });

  it("an empty bus: both parts reported absent, no sources, nothing scheduled", () => {
    const clock = new ManualClock();
    const bus = new VirtualI2CBus();
    const errors: Error[] = [];
    const vitals = startVitals({ io: bus.io }, clock, (e) => errors.push(e));
    expect(vitals.sources).toEqual({});
    expect(errors.length).toBe(3); // MAX30102, then TMP117 and MAX30205 at 0x48
    for (const e of errors) expect((e as SensorError).code).toBe("absent");
    expect(clock.pending).toBe(0);
  });

  it("no finger: no heart-rate reading is offered", () => {
    const clock = new ManualClock();
    const bus = new VirtualI2CBus();
    bus.attach(new Max30102Model({ source: new SyntheticPpg({ seed: 1, heartRate: () => 70, noFinger: true }) }));
    const vitals = startVitals({ io: bus.io }, clock, () => {});
    expect(readings(clock, bus, vitals, 30).hr).toEqual([]);
    vitals.close();
  });

  it("with an LIS2DH12 on the wrist: walking windows carry no reading, rest ones do; without it the cadence is read", () => {
    const hrDuring = (accelerometer: boolean) => {
      const clock = new ManualClock();
      const bus = new VirtualI2CBus();
      const { arm, heartRate } = walking(4, 160); // the arm swings from 20 s to 140 s at 1.3 Hz (78 bpm)
      bus.attach(new Max30102Model({ source: new SyntheticPpg({ seed: 4, heartRate, arm }) }));
      if (accelerometer) bus.attach(new Lis2dh12Model({ source: arm }));
      bus.attach(new Tmp117Model({ temperature: 36.4 }));
      const errors: Error[] = [];
      const vitals = startVitals({ io: bus.io }, clock, (e) => errors.push(e));
      const rest = readings(clock, bus, vitals, 20, 2).hr;
      // From 30 s: windows wholly in the walk.
      const walk = readings(clock, bus, vitals, 110, 2).pushed.filter((p) => p.ticks >= 30_000).map((p) => p.bpm);
      vitals.close();
      expect(errors).toEqual([]);
      return { rest, walk };
    };
    const withAccelerometer = hrDuring(true);
    expect(withAccelerometer.rest.length).toBeGreaterThan(3);
    expect(withAccelerometer.walk).toEqual([]);
    const without = hrDuring(false);
    expect(without.walk.length).toBeGreaterThan(20);
    expect(without.walk.filter((bpm) => Math.abs(bpm - 78) < 4).length).toBeGreaterThan(without.walk.length / 2);
  });

  it("finds the accelerometer at 0x18 too, and reports another part where one should be", () => {
    const at18 = new VirtualI2CBus();
    at18.attach(new Max30102Model({ source: new SyntheticPpg({ seed: 1, heartRate: () => 70 }) }));
    const chip = new Lis2dh12Model({ source: { acceleration: (_t, a) => Object.assign(a, { x: 0, y: 0, z: 1 }) }, address: 0x18 });
    at18.attach(chip);
    const clock = new ManualClock();
    const vitals = startVitals({ io: at18.io }, clock, () => {});
    expect(chip.outputRate).toBe(25); // configured by the driver
    vitals.close();

    const wrong = new VirtualI2CBus();
    wrong.attach(new Max30102Model({ source: new SyntheticPpg({ seed: 1, heartRate: () => 70 }) }));
    wrong.attach(new Lis2dh12Model({ source: { acceleration: (_t, a) => Object.assign(a, { x: 0, y: 0, z: 1 }) }, whoAmI: 0x44 }));
    const errors: Error[] = [];
    startVitals({ io: wrong.io }, new ManualClock(), (e) => errors.push(e)).close();
    expect(errors.map((e) => (e as SensorError).code)).toEqual(["wrong-part", "absent", "absent"]); // + no thermometer
  });

  it("an accelerometer that fails to read is reported, and the heart rate goes on", () => {
    const clock = new ManualClock();
    const bus = new VirtualI2CBus();
    bus.attach(new Max30102Model({ source: new SyntheticPpg({ seed: 7, heartRate: () => 75 }) }));
    bus.attach(new Lis2dh12Model({ source: { acceleration: (_t, a) => Object.assign(a, { x: 0, y: 0, z: 1 }) } }));
    bus.attach(new Tmp117Model({ temperature: 36.4 }));
    const errors: Error[] = [];
    const vitals = startVitals({ io: bus.io }, clock, (e) => errors.push(e));
    run(clock, bus, 5);
    bus.failNext(3, "bus-error", { address: 0x19 });
    const { hr } = readings(clock, bus, vitals, 30);
    vitals.close();
    expect(errors.map((e) => (e as SensorError).part)).toEqual(["LIS2DH12", "LIS2DH12", "LIS2DH12"]);
    expect(hr.length).toBeGreaterThan(3);
    for (const bpm of hr) expect(Math.abs(bpm - 75)).toBeLessThan(3);
  });

  it("a failing read is reported, and the chain carries on", () => {
    const clock = new ManualClock();
    let reads = 0;
    const errors: Error[] = [];
    const ppg = {
      outputRate: 100,
      sample() {
        if (++reads === 3) throw new Error("bus error");
        return { count: 0, ir: [], lost: 0, discontinuity: false };
      },
      close() {},
    };
    const vitals = runVitals(clock, ppg, undefined, (e) => errors.push(e));
    run(clock, undefined, 1);
    vitals.close();
    expect(errors.map((e) => e.message)).toEqual(["bus error"]);
    expect(reads).toBe(1000 / DRAIN_MS);
  });

  it("drains every DRAIN_MS by default, or at the period a simulation asks for", () => {
    const drains = (drainMs?: number): number => {
      const clock = new ManualClock();
      let reads = 0;
      const ppg = {
        outputRate: 100,
        sample() {
          reads++;
          return { count: 0, ir: [], lost: 0, discontinuity: false };
        },
        close() {},
      };
      const vitals = runVitals(clock, ppg, undefined, (e) => { throw e; }, drainMs);
      clock.advance(2_000);
      vitals.close();
      return reads;
    };
    expect(drains()).toBe(2_000 / DRAIN_MS);
    expect(drains(500)).toBe(4);
  });
});

describe("the lin simulator's sensors", () => {
  it("the simulated light gives valid heart rates around 72 bpm through the same estimator", () => {
    const clock = new ManualClock();
    const vitals = runVitals(clock, new SimulatedPpg({ clock }), new SimulatedThermometer(clock), () => {});
    const { hr, temp } = readings(clock, undefined, vitals, 120);
    vitals.close();
    expect(hr.length).toBeGreaterThanOrEqual(18);
    for (const bpm of hr) expect(Math.abs(bpm - 72)).toBeLessThan(10); // 72 bpm +-4 % arrhythmia, +-5 bpm drift
    expect(temp.length).toBe(24);
    for (const c of temp) expect(Math.abs(c - 36.4)).toBeLessThanOrEqual(0.31);
  });

  it("samples the simulated FIFO could not hold are reported lost, like the chip's overflow counter", () => {
    const clock = new ManualClock();
    const ppg = new SimulatedPpg({ clock });
    clock.advance(1000); // 100 samples due, the FIFO keeps 32
    const s = ppg.sample();
    expect(s.count).toBe(32);
    expect(s.lost).toBe(68);
    expect(s.discontinuity).toBe(true);
    clock.advance(100);
    expect(ppg.sample()).toMatchObject({ count: 10, lost: 0, discontinuity: false });
  });
});
