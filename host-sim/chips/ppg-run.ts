// Runs a light source through the whole chain the device runs: the MAX30102 model on the virtual I2C bus,
// the firmware driver draining its FIFO every 100 ms of virtual time, and the heart-rate estimator; then
// scores the readings against a reference, window by window.
import { HeartRateEstimator, type HeartRateOptions } from "../../firmware/sensors/heart-rate.js";
import { Max30102, type Max30102Settings } from "../../firmware/sensors/max30102.js";
import { Lis2dh12 } from "../../firmware/sensors/lis2dh12.js";
import type { AccelerationSource } from "./arm-motion.js";
import { VirtualI2CBus } from "./bus.js";
import { Lis2dh12Model } from "./lis2dh12-model.js";
import { Max30102Model } from "./max30102-model.js";
import type { OpticalSource } from "./optical.js";

export interface WindowReading {
  /** Window end, seconds since the start. */
  end: number;
  bpm: number;
  valid: boolean;
  confidence: number;
  fingerPresent: boolean;
}

export interface RunOptions {
  /** Driver settings (default: SpO2 mode, 400 sps averaged by 4 = 100 samples/s). */
  sensor?: Max30102Settings;
  estimator?: Partial<HeartRateOptions>;
  /** How often the host drains the FIFO, ms of virtual time (default 100). */
  drainEvery?: number;
  /** Called with every IR sample, e.g. for a baseline estimator. */
  onSample?: (ir: number) => void;
  /** What an LIS2DH12 on the same wrist measures: its FIFO is drained with the MAX30102's into the
   *  estimator's pushMotion(). Without it the estimator sees the PPG alone. */
  accelerometer?: AccelerationSource;
}

export function runHeartRate(source: OpticalSource, seconds: number, options: RunOptions = {}): WindowReading[] {
  const bus = new VirtualI2CBus();
  bus.attach(new Max30102Model({ source }));
  const sensor = new Max30102({ sensor: { io: bus.io }, ...options.sensor });
  let accelerometer: Lis2dh12 | undefined;
  if (options.accelerometer) {
    bus.attach(new Lis2dh12Model({ source: options.accelerometer }));
    accelerometer = new Lis2dh12({ sensor: { io: bus.io } });
  }
  const estimator = new HeartRateEstimator({ sampleRate: sensor.outputRate, motionRate: accelerometer?.outputRate, ...options.estimator });
  const readings: WindowReading[] = [];
  const drainEvery = options.drainEvery ?? 100;
  for (let t = 0; t < seconds * 1000; t += drainEvery) {
    bus.advance(drainEvery);
    if (accelerometer) {
      const m = accelerometer.sample();
      const g = accelerometer.scale;
      for (let i = 0; i < m.count; i++) estimator.pushMotion(m.xyz[3 * i] * g, m.xyz[3 * i + 1] * g, m.xyz[3 * i + 2] * g);
    }
    const s = sensor.sample();
    if (s.discontinuity) estimator.markGap(s.lost);
    for (let i = 0; i < s.count; i++) {
      options.onSample?.(s.ir[i]);
      if (estimator.push(s.ir[i])) {
        const r = estimator.reading;
        readings.push({ end: r.at / estimator.sampleRate, bpm: r.bpm, valid: r.valid, confidence: r.confidence, fingerPresent: r.fingerPresent });
      }
    }
  }
  sensor.close();
  accelerometer?.close();
  return readings;
}

export interface Score {
  windows: number;
  valid: number;
  validShare: number;
  /** Mean absolute error over the valid windows, bpm (NaN when none). */
  mae: number;
  /** Largest absolute error over the valid windows. */
  maxError: number;
}

/** Scores readings whose window [end - windowSeconds, end) has a reference value. */
export function score(readings: WindowReading[], reference: (from: number, to: number) => number, windowSeconds = 8): Score {
  let windows = 0, valid = 0, sum = 0, maxError = 0;
  for (const r of readings) {
    const truth = reference(r.end - windowSeconds, r.end);
    if (Number.isNaN(truth)) continue;
    windows++;
    if (!r.valid) continue;
    valid++;
    const error = Math.abs(r.bpm - truth);
    sum += error;
    if (error > maxError) maxError = error;
  }
  return { windows, valid, validShare: windows ? valid / windows : 0, mae: valid ? sum / valid : Number.NaN, maxError };
}

export interface StepScore {
  /** Per step: seconds from the step to the first valid reading within `tolerance` of the new rate after
   *  which every valid reading up to the next step stays within it; Infinity when there is none. */
  latencies: number[];
  /** Valid readings of windows that straddle a step that lie outside [lower rate, higher rate] +- tolerance. */
  strays: number;
  /** Score of the windows that do not straddle a step, against the reference. */
  steady: Score;
}

/** Scores a signal whose rate steps: `steps` (times, s, and the new rate) after starting at `initial` bpm. */
export function stepTracking(
  readings: WindowReading[],
  initial: number,
  steps: { at: number; bpm: number }[],
  reference: (from: number, to: number) => number,
  windowSeconds = 8,
  tolerance = 5,
): StepScore {
  const latencies = steps.map((step, i) => {
    const until = steps[i + 1]?.at ?? Number.POSITIVE_INFINITY;
    const after = readings.filter((r) => r.end >= step.at && r.end < until && r.valid);
    for (let k = 0; k < after.length; k++) {
      if (after.slice(k).every((r) => Math.abs(r.bpm - step.bpm) <= tolerance)) return after[k].end - step.at;
    }
    return Number.POSITIVE_INFINITY;
  });
  let strays = 0;
  const straddles = (r: WindowReading) => steps.some((s) => r.end - windowSeconds < s.at && s.at < r.end);
  for (const r of readings) {
    if (!r.valid || !straddles(r)) continue;
    const i = steps.findIndex((s) => r.end - windowSeconds < s.at && s.at < r.end);
    const before = i === 0 ? initial : steps[i - 1].bpm;
    const low = Math.min(before, steps[i].bpm) - tolerance, high = Math.max(before, steps[i].bpm) + tolerance;
    if (r.bpm < low || r.bpm > high) strays++;
  }
  return { latencies, strays, steady: score(readings.filter((r) => !straddles(r)), reference, windowSeconds) };
}
