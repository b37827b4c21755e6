// The sensor drivers' steps as plain functions of an I2C class, so the same code runs under Node (on the
// virtual bus directly) and inside XS (through the forwarded I2C port), and the results can be compared.
import type { I2CConstructor } from "../../../firmware/platform/ports.js";
import { HeartRateEstimator } from "../../../firmware/sensors/heart-rate.js";
import { Lis2dh12 } from "../../../firmware/sensors/lis2dh12.js";
import { Max30102, type Max30102Settings } from "../../../firmware/sensors/max30102.js";
import { Max30205 } from "../../../firmware/sensors/max30205.js";
import { Tmp117 } from "../../../firmware/sensors/tmp117.js";

export interface PpgDrain {
  count: number;
  red: number[];
  ir: number[];
  lost: number;
  lostSaturated: boolean;
  discontinuity: boolean;
}

export interface BeatReading {
  at: number;
  bpm: number | null; // JSON has no NaN
  valid: boolean;
  confidence: number;
  fingerPresent: boolean;
}

export function sensorSteps(io: I2CConstructor) {
  let ppg: Max30102 | undefined;
  let estimator: HeartRateEstimator | undefined;
  let thermometer: Max30205 | Tmp117 | undefined;
  let accelerometer: Lis2dh12 | undefined;
  return {
    openAccelerometer() {
      accelerometer = new Lis2dh12({ sensor: { io } });
      return { outputRate: accelerometer.outputRate, scale: accelerometer.scale };
    },
    /** The accelerometer's FIFO, in g, as the estimator gets it. */
    drainAccelerometer(): { count: number; g: number[]; discontinuity: boolean } {
      const s = accelerometer!.sample();
      const g = Array.from(s.xyz.subarray(0, 3 * s.count), (v) => v * accelerometer!.scale);
      return { count: s.count, g, discontinuity: s.discontinuity };
    },
    openPpg(settings: Max30102Settings) {
      ppg = new Max30102({ sensor: { io }, ...settings });
      return { configuration: ppg.configuration, outputRate: ppg.outputRate };
    },
    drainPpg(): PpgDrain {
      const s = ppg!.sample();
      return {
        count: s.count,
        red: Array.from(s.red.subarray(0, s.count)),
        ir: Array.from(s.ir.subarray(0, s.count)),
        lost: s.lost,
        lostSaturated: s.lostSaturated,
        discontinuity: s.discontinuity,
      };
    },
    /** Driver + estimator, as the device runs them: open once, then drain the FIFO into the estimator. */
    openPipeline(settings: Max30102Settings) {
      ppg = new Max30102({ sensor: { io }, ...settings });
      estimator = new HeartRateEstimator({ sampleRate: ppg.outputRate });
      return ppg.outputRate;
    },
    drainIntoEstimator(): BeatReading[] {
      const s = ppg!.sample();
      const readings: BeatReading[] = [];
      if (s.discontinuity) estimator!.markGap(s.lost);
      for (let i = 0; i < s.count; i++) {
        if (!estimator!.push(s.ir[i])) continue;
        const r = estimator!.reading;
        readings.push({ at: r.at, bpm: Number.isNaN(r.bpm) ? null : r.bpm, valid: r.valid, confidence: r.confidence, fingerPresent: r.fingerPresent });
      }
      return readings;
    },
    dieTemperature() {
      ppg!.startDieTemperature();
      return ppg!.readDieTemperature();
    },
    openThermometer(part: "max30205" | "tmp117") {
      thermometer = part === "max30205" ? new Max30205({ sensor: { io } }) : new Tmp117({ sensor: { io } });
      return thermometer.configuration;
    },
    readTemperature() {
      return thermometer!.sample()?.temperature;
    },
    closeAll() {
      ppg?.close();
      thermometer?.close();
      accelerometer?.close();
      ppg = thermometer = accelerometer = undefined;
    },
  };
}
