// Runs a light source through the whole chain the device runs: the MAX30102 model on the virtual I2C bus,
// the firmware driver draining its FIFO every 100 ms of virtual time, and the heart-rate estimator; then
// scores the readings against a reference, window by window.
import { HeartRateEstimator, type HeartRateOptions } from "../../firmware/sensors/heart-rate.js";
import { Max30102, type Max30102Settings } from "../../firmware/sensors/max30102.js";
import { VirtualI2CBus } from "./bus.js";
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
}

export function runHeartRate(source: OpticalSource, seconds: number, options: RunOptions = {}): WindowReading[] {
  const bus = new VirtualI2CBus();
  bus.attach(new Max30102Model({ source }));
  const sensor = new Max30102({ sensor: { io: bus.io }, ...options.sensor });
  const estimator = new HeartRateEstimator({ sampleRate: sensor.outputRate, ...options.estimator });
  const readings: WindowReading[] = [];
  const drainEvery = options.drainEvery ?? 100;
  for (let t = 0; t < seconds * 1000; t += drainEvery) {
    bus.advance(drainEvery);
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
