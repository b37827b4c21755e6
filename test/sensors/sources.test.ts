import { describe, expect, it } from "vitest";
import { createBoard } from "../../host-sim/chips/board.js";
import { VirtualI2CBus } from "../../host-sim/chips/bus.js";
import { Max30102Model } from "../../host-sim/chips/max30102-model.js";
import { loadPleth, loadReferenceHeartRate } from "../../host-sim/chips/ppg-files.js";
import { WaveformReplay } from "../../host-sim/chips/ppg-replay.js";
import { exerciseRamp } from "../../host-sim/chips/ppg-scenarios.js";
import { SyntheticPpg } from "../../host-sim/chips/ppg-synthetic.js";
import { HeartRateEstimator } from "../../firmware/sensors/heart-rate.js";
import { Max30102 } from "../../firmware/sensors/max30102.js";
import { Max30205 } from "../../firmware/sensors/max30205.js";
import { Tmp117 } from "../../firmware/sensors/tmp117.js";

const light = () => ({ red: 0, ir: 0, ambient: 0 });

describe("signal sources", () => {
  it("synthetic PPG follows its heart-rate trajectory; the reference is the beats' mean rate", () => {
    const ramp = exerciseRamp(100);
    const source = new SyntheticPpg({ seed: 1, heartRate: ramp, variability: 0, rsa: 0 });
    const out = light();
    for (let t = 0; t < 100; t += 0.01) source.sample(t, out);
    expect(source.referenceHeartRate(0, 8)).toBeCloseTo(60, 0);
    expect(source.referenceHeartRate(90, 98)).toBeCloseTo(160, 0);
    expect(Math.abs(source.referenceHeartRate(46, 54) - ramp(50))).toBeLessThan(2);
  });

  it("is reproducible for a seed and different across seeds", () => {
    const run = (seed: number) => {
      const s = new SyntheticPpg({ seed, heartRate: () => 70, noise: 0.3, ectopicRate: 0.1 });
      const out = light();
      const values: number[] = [];
      for (let t = 0; t < 20; t += 0.01) {
        s.sample(t, out);
        values.push(out.ir);
      }
      return values;
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });

  it("pulses lower the IR light (more blood absorbs more), and no finger leaves almost none", () => {
    const source = new SyntheticPpg({ seed: 2, heartRate: () => 60, noise: 0, baselineWander: 0, respirationAmplitude: 0 });
    const out = light();
    let min = Infinity, max = -Infinity;
    for (let t = 0; t < 5; t += 0.005) {
      source.sample(t, out);
      min = Math.min(min, out.ir);
      max = Math.max(max, out.ir);
    }
    expect(max).toBeLessThanOrEqual(180 * 1.01); // the level, give or take the respiratory baseline
    expect((max - min) / max).toBeGreaterThan(0.01); // ~1.5 % perfusion index
    expect((max - min) / max).toBeLessThan(0.03);
    const empty = new SyntheticPpg({ seed: 2, heartRate: () => 60, noFinger: true });
    empty.sample(1, out);
    expect(out.ir).toBeLessThan(5);
  });

  it("replays bidmc01 inverted and scaled into 18-bit counts, resampled to the sensor's rate", () => {
    const pleth = loadPleth("test/data/bidmc01/pleth.csv");
    expect(pleth.values.length).toBe(60001);
    const replay = new WaveformReplay(pleth.values, pleth.rate);
    expect(replay.duration).toBeCloseTo(480, 3);
    const out = light();
    // Larger recorded value (more absorption) -> less light.
    let hi = 0, lo = 0;
    for (let i = 1; i < 2000; i++) {
      if (pleth.values[i] > pleth.values[hi]) hi = i;
      if (pleth.values[i] < pleth.values[lo]) lo = i;
    }
    replay.sample(hi / 125, out);
    const dark = out.ir;
    replay.sample(lo / 125, out);
    expect(out.ir).toBeGreaterThan(dark);
    // Between two recorded samples the value is interpolated.
    expect(replay.valueAt(1.5 / 125)).toBeCloseTo((pleth.values[1] + pleth.values[2]) / 2, 6);
    // Through the chip model at 400 sps averaged by 4: 100 samples/s of realistic counts.
    const bus = new VirtualI2CBus();
    bus.attach(new Max30102Model({ source: replay }));
    const sensor = new Max30102({ sensor: { io: bus.io } });
    bus.advance(300);
    const s = sensor.sample();
    expect(s.count).toBe(30);
    for (let i = 0; i < s.count; i++) {
      expect(s.ir[i]).toBeGreaterThan(50_000);
      expect(s.ir[i]).toBeLessThan(0x3ffff);
    }
  });

  it("loads the ECG-derived reference windows", () => {
    const reference = loadReferenceHeartRate("test/data/bidmc01/reference_hr.csv");
    expect(reference).toHaveLength(237);
    expect(reference[0]).toEqual({ start: 0, end: 8, bpm: 93.964 });
    expect(reference.every((w) => w.bpm >= 87.7 && w.bpm <= 94.9)).toBe(true);
  });

  it("a virtual board carries both sensors on one bus for the drivers", () => {
    const board = createBoard({ skinTemperature: 35.9 });
    const ppg = new Max30102({ sensor: { io: board.bus.io } });
    const skin = new Tmp117({ sensor: { io: board.bus.io }, mode: "one-shot", averaging: 1 });
    const hr = new HeartRateEstimator({ sampleRate: ppg.outputRate });
    let temperature: number | undefined;
    for (let ms = 0; ms < 12_000; ms += 100) {
      board.advance(100);
      const s = ppg.sample();
      for (let i = 0; i < s.count; i++) hr.push(s.ir[i]);
      temperature = skin.sample()?.temperature ?? temperature;
    }
    expect(hr.reading.valid).toBe(true);
    expect(Math.abs(hr.reading.bpm - 72)).toBeLessThan(3);
    expect(temperature).toBe(Math.round(35.9 * 128) / 128); // in 1/128 C steps
    const other = createBoard({ thermometer: "max30205" });
    expect(() => new Tmp117({ sensor: { io: other.bus.io } })).toThrow(/device id/);
    expect(() => new Max30205({ sensor: { io: other.bus.io } })).not.toThrow();
  });
});
