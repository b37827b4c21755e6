import { describe, expect, it } from "vitest";
import { loadPleth, loadReferenceHeartRate } from "../../host-sim/chips/ppg-files.js";
import { WaveformReplay } from "../../host-sim/chips/ppg-replay.js";
import { runHeartRate, score } from "../../host-sim/chips/ppg-run.js";
import { motionBursts, SCENARIOS } from "../../host-sim/chips/ppg-scenarios.js";
import { SyntheticPpg } from "../../host-sim/chips/ppg-synthetic.js";
import { Prng } from "../../host-sim/chips/prng.js";
import { HeartRateEstimator } from "../../firmware/sensors/heart-rate.js";

// Accuracy on seeded signals: deterministic, so the targets can be asserted exactly.
const SECONDS = 90;
const scenario = (name: string) => SCENARIOS.find((s) => s.name === name)!;

function scoreScenario(name: string, seed: number, seconds = SECONDS) {
  const source = scenario(name).make(seed, seconds);
  return score(runHeartRate(source, seconds), (a, b) => source.referenceHeartRate(a, b));
}

describe("heart-rate estimator accuracy (8 s windows, 2 s step)", () => {
  for (const name of ["rest-60", "exercise-60-160", "high-variability"]) {
    it(`${name}: MAE <= 2 bpm with >= 95 % valid windows`, () => {
      for (const seed of [1, 2]) {
        const s = scoreScenario(name, seed);
        expect(s.windows).toBeGreaterThan(40);
        expect(s.mae).toBeLessThanOrEqual(2);
        expect(s.validShare).toBeGreaterThanOrEqual(0.95);
      }
    });
  }

  for (const name of ["noise", "motion-bursts"]) {
    it(`${name}: MAE <= 5 bpm on the windows it calls valid, and it still reports some`, () => {
      for (const seed of [1, 2]) {
        const s = scoreScenario(name, seed);
        expect(s.mae).toBeLessThanOrEqual(5);
        expect(s.valid).toBeGreaterThan(5);
      }
    });
  }

  it("moderate motion (3x the pulse) still never yields a number more than a few bpm off on average", () => {
    for (const seed of [2, 3]) {
      const source = new SyntheticPpg({ seed, heartRate: () => 95, motion: motionBursts(seed, SECONDS), motionAmplitude: 3 });
      const s = score(runHeartRate(source, SECONDS), (a, b) => source.referenceHeartRate(a, b));
      expect(s.mae).toBeLessThanOrEqual(5);
    }
  });

  it("relearns after the pulse amplitude steps (finger pressed harder or lighter)", () => {
    for (const factor of [4, 0.25]) {
      const source = new SyntheticPpg({ seed: 3, heartRate: () => 70 });
      const stepped = {
        sample(t: number, out: { red: number; ir: number; ambient: number }) {
          source.options.perfusion = t < 40 ? 0.015 : 0.015 * factor;
          source.sample(t, out);
        },
      };
      const readings = runHeartRate(stepped, 100);
      const after = readings.filter((r) => r.end >= 75);
      expect(after.every((r) => r.valid), `x${factor}`).toBe(true);
      expect(score(readings, (a, b) => source.referenceHeartRate(a, b)).mae, `x${factor}`).toBeLessThanOrEqual(2);
    }
  });

  it("no finger: not a single valid window, and fingerPresent is false", () => {
    const source = scenario("no-finger").make(3, 60);
    const readings = runHeartRate(source, 60);
    expect(readings.length).toBeGreaterThan(20);
    expect(readings.filter((r) => r.valid)).toHaveLength(0);
    expect(readings.every((r) => !r.fingerPresent && Number.isNaN(r.bpm))).toBe(true);
  });

  it("something on the sensor but no pulse (a table, a sleeve): white noise and breathing-like drift are not a heart rate", () => {
    for (const noise of [0.0005, 0.002, 0.01]) {
      const rng = new Prng(9);
      const surface = {
        sample(t: number, out: { red: number; ir: number; ambient: number }) {
          out.ir = 180 * (1 + noise * rng.gauss() + 0.01 * Math.sin(2 * Math.PI * 0.25 * t));
          out.red = 0.7 * out.ir;
          out.ambient = 0;
        },
      };
      const readings = runHeartRate(surface, 60);
      expect(readings.every((r) => r.fingerPresent)).toBe(true);
      expect(readings.filter((r) => r.valid), `noise ${noise}`).toHaveLength(0);
    }
  });

  it("premature beats with compensatory pauses do not throw it (one beat in ten)", () => {
    for (const seed of [7, 8]) {
      const source = new SyntheticPpg({ seed, heartRate: () => 80, ectopicRate: 0.1 });
      const s = score(runHeartRate(source, SECONDS), (a, b) => source.referenceHeartRate(a, b));
      expect(s.mae).toBeLessThanOrEqual(2);
      expect(s.validShare).toBeGreaterThanOrEqual(0.9);
    }
  });

  it("covers 25..250 bpm and calls rates outside it invalid", () => {
    for (const bpm of [30, 200, 240]) {
      const source = new SyntheticPpg({ seed: bpm, heartRate: () => bpm });
      const s = score(runHeartRate(source, 60), (a, b) => source.referenceHeartRate(a, b));
      expect(s.mae, `${bpm} bpm`).toBeLessThanOrEqual(2);
      expect(s.validShare, `${bpm} bpm`).toBeGreaterThanOrEqual(0.9);
    }
    for (const bpm of [18, 22, 256, 300]) {
      const source = new SyntheticPpg({ seed: bpm, heartRate: () => bpm });
      const readings = runHeartRate(source, 60);
      expect(readings.filter((r) => r.valid), `${bpm} bpm`).toHaveLength(0);
    }
  });

  it("runs at the rate the sensor is configured for (25, 50 and 400 samples/s)", () => {
    for (const [sampleRate, sampleAverage] of [[50, 2], [50, 1], [400, 1]] as const) {
      const source = new SyntheticPpg({ seed: 3, heartRate: (t) => 70 + t / 2 });
      const readings = runHeartRate(source, 60, { sensor: { sampleRate, sampleAverage }, drainEvery: 50 });
      const s = score(readings, (a, b) => source.referenceHeartRate(a, b));
      expect(s.mae, `${sampleRate / sampleAverage}/s`).toBeLessThanOrEqual(1);
      expect(s.validShare, `${sampleRate / sampleAverage}/s`).toBeGreaterThanOrEqual(0.95);
    }
  });

  it("bidmc01 (real PPG, ECG-derived reference): MAE <= 2 bpm with >= 95 % valid windows", () => {
    const pleth = loadPleth("test/data/bidmc01/pleth.csv");
    const reference = loadReferenceHeartRate("test/data/bidmc01/reference_hr.csv");
    expect(pleth.rate).toBe(125);
    const replay = new WaveformReplay(pleth.values, pleth.rate);
    const byEnd = new Map(reference.map((w) => [Math.round(w.end), w.bpm]));
    const s = score(runHeartRate(replay, replay.duration), (_from, to) => byEnd.get(Math.round(to)) ?? Number.NaN);
    expect(s.windows).toBe(reference.length);
    expect(s.mae).toBeLessThanOrEqual(2);
    expect(s.validShare).toBeGreaterThanOrEqual(0.95);
  });

  it("is deterministic for a seed", () => {
    const a = runHeartRate(scenario("noise").make(5, 40), 40);
    const b = runHeartRate(scenario("noise").make(5, 40), 40);
    expect(a).toEqual(b);
  });
});

describe("heart-rate estimator behaviour", () => {
  /** A clean 75 bpm pulse in raw counts, sampled directly at 100 samples/s. */
  function pulse(seed = 1) {
    const source = new SyntheticPpg({ seed, heartRate: () => 75 });
    const light = { red: 0, ir: 0, ambient: 0 };
    let n = 0;
    return () => {
      source.sample(n++ / 100, light);
      return Math.round(((7.2 * light.ir) / 4096) * 262144);
    };
  }

  it("gives a reading every step once a window is full, reusing one reading object", () => {
    const hr = new HeartRateEstimator({ sampleRate: 100 });
    const next = pulse();
    const reading = hr.reading;
    const renewedAt: number[] = [];
    for (let i = 1; i <= 1400; i++) if (hr.push(next())) renewedAt.push(i);
    expect(renewedAt).toEqual([800, 1000, 1200, 1400]);
    expect(hr.reading).toBe(reading);
    expect(reading.valid).toBe(true);
    expect(reading.bpm).toBeGreaterThan(72);
    expect(reading.bpm).toBeLessThan(78);
    expect(reading.confidence).toBeGreaterThan(0.5);
    expect(reading.confidence).toBeLessThanOrEqual(1);
    expect(reading.at).toBe(1400);
  });

  it("after a gap (lost samples) stays invalid until a whole window has passed without one", () => {
    const hr = new HeartRateEstimator({ sampleRate: 100 });
    const next = pulse();
    for (let i = 0; i < 1000; i++) hr.push(next());
    expect(hr.reading.valid).toBe(true);
    for (let i = 0; i < 50; i++) next(); // the samples the FIFO lost
    hr.markGap(50);
    expect(hr.reading.valid).toBe(false); // withdrawn at once, not left looking fresh
    expect(hr.reading.bpm).toBeNaN();
    const validity: boolean[] = [];
    for (let i = 0; i < 1200; i++) if (hr.push(next())) validity.push(hr.reading.valid);
    // Readings at 1200, 1400, ... (the gap keeps the sample clock): windows reaching back before 1050 are invalid.
    expect(validity.slice(0, 4)).toEqual([false, false, false, false]);
    expect(validity.slice(-1)).toEqual([true]);
  });

  it("goes invalid when the finger is lifted and recovers when it returns", () => {
    const hr = new HeartRateEstimator({ sampleRate: 100 });
    const next = pulse();
    const states: { valid: boolean; finger: boolean }[] = [];
    for (let i = 0; i < 3000; i++) {
      const counts = next();
      const lifted = i >= 1200 && i < 1700;
      if (hr.push(lifted ? 1500 : counts)) states.push({ valid: hr.reading.valid, finger: hr.reading.fingerPresent });
    }
    expect(states[1]).toEqual({ valid: true, finger: true }); // at 1000
    expect(states[4]).toEqual({ valid: false, finger: false }); // at 1600
    expect(states.filter((s, i) => i >= 3 && i <= 8 && s.valid)).toHaveLength(0); // windows touching the lift
    expect(states[states.length - 1]).toEqual({ valid: true, finger: true });
  });

  it("refuses a sample rate or window it cannot work with", () => {
    expect(() => new HeartRateEstimator({ sampleRate: 5 })).toThrow(RangeError);
    expect(() => new HeartRateEstimator({ sampleRate: 100, windowSeconds: 3 })).toThrow(RangeError);
    expect(() => new HeartRateEstimator({ sampleRate: 100, stepSeconds: 0 })).toThrow(RangeError);
  });

  it("sizes its rings for longer windows (30 s at 200 bpm keeps every beat)", () => {
    const source = new SyntheticPpg({ seed: 4, heartRate: () => 200 });
    const readings = runHeartRate(source, 70, { estimator: { windowSeconds: 30, stepSeconds: 5 } });
    const s = score(readings, (a, b) => source.referenceHeartRate(a, b), 30);
    expect(s.windows).toBeGreaterThan(5);
    expect(s.validShare).toBe(1);
    expect(s.mae).toBeLessThanOrEqual(1);
  });
});
