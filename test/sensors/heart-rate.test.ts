import { describe, expect, it } from "vitest";
import { loadPleth, loadReferenceHeartRate } from "../../host-sim/chips/ppg-files.js";
import { WaveformReplay } from "../../host-sim/chips/ppg-replay.js";
import { HELD_OUT_RECORDS, loadRecord, TUNING_RECORDS } from "../../host-sim/chips/ppg-records.js";
import { runHeartRate, score, stepTracking } from "../../host-sim/chips/ppg-run.js";
import { motionBursts, rateSteps, SCENARIOS } from "../../host-sim/chips/ppg-scenarios.js";
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

describe("heart-rate estimator: no pulse, rate steps, irregular rhythms, motion (issue #13)", () => {
  /** Something on the skin, no pulse in the light, noise in [low, high] Hz of `rms` pulse amplitudes. */
  const noPulse = (seed: number, rms: number, low = 0.8, high = 3) =>
    new SyntheticPpg({ seed, heartRate: () => 70, noPulse: true, bandNoise: { rms, low, high } });

  it("no pulse, noise in the pulse band (0.8-3 Hz) from a tenth to a whole pulse amplitude: not one reading", () => {
    let windows = 0;
    for (const seed of [1, 2, 3, 4, 5, 6])
      for (const rms of [0.1, 0.25, 0.5, 1]) {
        const readings = runHeartRate(noPulse(seed, rms), 60);
        windows += readings.length;
        expect(readings.filter((r) => r.valid), `seed ${seed}, rms ${rms}`).toHaveLength(0);
        expect(readings.every((r) => r.fingerPresent && Number.isNaN(r.bpm))).toBe(true);
      }
    expect(windows).toBeGreaterThan(500);
  });

  it("the pulse goes (the sensor slid off the artery) while the band noise stays: no reading after a few windows", () => {
    for (const [seed, rms] of [[1, 0.1], [2, 0.1], [4, 0.05]]) {
      const source = new SyntheticPpg({ seed, heartRate: () => 75, bandNoise: { rms, low: 0.8, high: 3 } });
      const sliding = {
        sample(t: number, out: { red: number; ir: number; ambient: number }) {
          source.options.noPulse = t >= 40;
          source.sample(t, out);
        },
      };
      const readings = runHeartRate(sliding, 100);
      expect(readings.filter((r) => r.end < 40 && r.valid).length, `seed ${seed}: a pulse first`).toBeGreaterThan(8);
      expect(readings.filter((r) => r.end >= 50 && r.valid), `seed ${seed}`).toHaveLength(0);
    }
  });

  it("a first reading does not wait on a strongly variable rhythm (HRV and RSA 8 %): within 16 s of the start", () => {
    for (const seed of [1, 4, 5]) {
      const readings = runHeartRate(scenario("high-variability").make(seed, 30), 30);
      expect(readings.find((r) => r.valid)?.end, `seed ${seed}`).toBeLessThanOrEqual(16);
    }
  });

  it("a step from 70 to 130 bpm and back is tracked within 6 s, and no reading strays outside the two rates", () => {
    for (const seed of [1, 2, 3]) {
      const source = scenario("steps-70-130-70").make(seed, 120);
      const readings = runHeartRate(source, 120);
      const tracked = stepTracking(readings, 70, rateSteps(120), (a, b) => source.referenceHeartRate(a, b));
      for (const latency of tracked.latencies) expect(latency, `seed ${seed}`).toBeLessThanOrEqual(6);
      expect(tracked.strays, `seed ${seed}`).toBe(0);
      expect(tracked.steady.mae, `seed ${seed}`).toBeLessThanOrEqual(1);
    }
  });

  it("stepTracking counts a reading stuck on the old rate as not tracked", () => {
    const stuck = Array.from({ length: 30 }, (_, i) => ({ end: 8 + 2 * i, bpm: 70, valid: true, confidence: 1, fingerPresent: true }));
    const tracked = stepTracking(stuck, 70, [{ at: 30, bpm: 130 }], () => 70);
    expect(tracked.latencies).toEqual([Number.POSITIVE_INFINITY]);
  });

  it("fast ramps (2 bpm/s) and a very low perfusion (0.1 %) stay within 2 bpm", () => {
    for (const name of ["ramps-70-150-70", "low-perfusion"]) {
      const s = scoreScenario(name, 4, 150);
      expect(s.mae, name).toBeLessThanOrEqual(2);
      expect(s.validShare, name).toBeGreaterThanOrEqual(0.95);
    }
  });

  it("an atrial-fibrillation-like rhythm (every interval +-25 %) is measured as its mean rate when it is measured", () => {
    for (const seed of [1, 2]) {
      const s = scoreScenario("af-like", seed, 120);
      expect(s.valid, `seed ${seed}`).toBeGreaterThan(5);
      expect(s.mae, `seed ${seed}`).toBeLessThanOrEqual(2);
    }
  });

  it("walking (1.3 Hz arm swing): without an accelerometer the cadence passes for the pulse; with one those windows are withheld", () => {
    const source = scenario("walking").make(5, 160);
    const reference = (a: number, b: number) => source.referenceHeartRate(a, b);
    const walking = (r: { end: number }) => r.end - 8 >= 25 && r.end <= 135; // windows wholly inside the walk
    const without = runHeartRate(source, 160);
    expect(score(without.filter(walking), reference).mae).toBeGreaterThan(10); // ~78 bpm read for ~95
    const again = scenario("walking").make(5, 160);
    const withAccelerometer = runHeartRate(again, 160, { accelerometer: again.options.arm });
    expect(withAccelerometer.filter(walking).filter((r) => r.valid)).toHaveLength(0);
    const s = score(withAccelerometer, reference);
    expect(s.valid).toBeGreaterThan(10); // the rest before and after
    expect(s.mae).toBeLessThanOrEqual(1);
  });

  it("gestures with an accelerometer: the windows it calls valid are within 5 bpm, and most stay valid", () => {
    for (const seed of [1, 2]) {
      const source = scenario("arm-gestures").make(seed, 120);
      const s = score(runHeartRate(source, 120, { accelerometer: source.options.arm }), (a, b) => source.referenceHeartRate(a, b));
      expect(s.maxError, `seed ${seed}`).toBeLessThanOrEqual(5);
      expect(s.validShare, `seed ${seed}`).toBeGreaterThan(0.5);
    }
  });

  it("an accelerometer on a still wrist changes nothing", () => {
    const still = { acceleration: (_t: number, out: { x: number; y: number; z: number }) => Object.assign(out, { x: 0.05, y: -0.1, z: 0.99 }) };
    const a = runHeartRate(scenario("high-variability").make(6, 60), 60);
    const b = runHeartRate(scenario("high-variability").make(6, 60), 60, { accelerometer: still });
    expect(b).toEqual(a);
  });
});

describe("heart-rate estimator on real PPG it was not tuned on (BIDMC, ECG R-peaks)", () => {
  function scoreRecords(names: readonly string[]) {
    let windows = 0, valid = 0, errors = 0;
    for (const name of names) {
      const record = loadRecord(name);
      const replay = new WaveformReplay(record.ppg.values, record.ppg.rate);
      const s = score(runHeartRate(replay, replay.duration), record.reference);
      windows += s.windows;
      valid += s.valid;
      errors += s.mae * s.valid;
    }
    return { windows, validShare: valid / windows, mae: errors / valid };
  }

  it("held-out records pooled: MAE <= 0.5 bpm with >= 95 % valid windows", () => {
    const s = scoreRecords(HELD_OUT_RECORDS);
    expect(s.windows).toBe(7 * 117);
    expect(s.mae).toBeLessThanOrEqual(0.5);
    expect(s.validShare).toBeGreaterThanOrEqual(0.95);
  });

  it("the tuning records too", () => {
    const s = scoreRecords(TUNING_RECORDS);
    expect(s.mae).toBeLessThanOrEqual(0.5);
    expect(s.validShare).toBeGreaterThanOrEqual(0.95);
  });

  it("bidmc01's reference from its R-peaks is the reference_hr.csv it came with", () => {
    const record = loadRecord("bidmc01");
    for (const w of loadReferenceHeartRate("test/data/bidmc01/reference_hr.csv")) {
      expect(record.reference(w.start, w.end)).toBeCloseTo(w.bpm, 2);
    }
  });
});
