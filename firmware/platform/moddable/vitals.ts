// The device's sensor chain, as vital sources for the TelemetryApp: the MAX30102 FIFO drained on a timer
// into the heart-rate estimator, and skin temperature from a TMP117 or MAX30205 (they share 0x48, so the
// TMP117 is tried first: it has an identity register, the MAX30205 has none). A missing or failing part
// leaves its source out and is reported; the other vital still works.
//
// Pure: the bus and the clock come in, so the host tests run this against the chip models of
// host-sim/chips, and the lin simulator against a simulated light source (vitals-simulated.ts).
import type { Clock, SensorBus, TimerId } from "../ports.js";
import { HeartRateEstimator } from "../../sensors/heart-rate.js";
import { Max30102 } from "../../sensors/max30102.js";
import { Max30205, type Max30205Config } from "../../sensors/max30205.js";
import { Tmp117 } from "../../sensors/tmp117.js";
import type { TemperatureSample } from "../../sensors/temperature.js";
import type { VitalSource } from "../../telemetry/app.js";
import type { ReadingKind } from "../../telemetry/reading.js";
import { asError } from "../as-error.js";

/** FIFO drain period: the MAX30102 holds 32 samples, 320 ms at 100 samples/s; drain well before it fills. */
export const DRAIN_MS = 100;

/** What the drain loop needs of a PPG front end (Max30102 satisfies it). */
export interface PpgSource {
  /** Samples per second in the FIFO. */
  readonly outputRate: number;
  sample(): { count: number; ir: ArrayLike<number>; lost: number; discontinuity: boolean };
  close(): void;
}

export interface Thermometer {
  sample(): TemperatureSample | undefined;
  close(): void;
}

export interface Vitals {
  readonly sources: Partial<Record<ReadingKind, VitalSource>>;
  /** The latest heart-rate estimator state (for traces). */
  readonly estimator?: HeartRateEstimator;
  close(): void;
}

/** Runs a PPG source into the heart-rate estimator and a thermometer, and offers both as vital sources.
 *  `drainMs` is for simulations that need another period (e.g. to overflow the FIFO on purpose). */
export function runVitals(
  clock: Clock,
  ppg: PpgSource | undefined,
  thermometer: Thermometer | undefined,
  onError: (error: Error) => void,
  drainMs: number = DRAIN_MS,
): Vitals {
  const sources: Partial<Record<ReadingKind, VitalSource>> = {};
  let timer: TimerId | undefined;
  let closed = false;
  let estimator: HeartRateEstimator | undefined;
  if (ppg) {
    const hr = new HeartRateEstimator({ sampleRate: ppg.outputRate });
    estimator = hr;
    const drain = () => {
      timer = undefined;
      if (closed) return;
      try {
        const s = ppg.sample();
        if (s.discontinuity) hr.markGap(s.lost);
        for (let i = 0; i < s.count; i++) hr.push(s.ir[i]);
      } catch (error) {
        hr.markGap(0); // the stream is broken: no reading until a whole clean window has passed
        onError(asError(error));
      }
      timer = clock.set(drain, drainMs);
    };
    timer = clock.set(drain, drainMs);
    // Only a valid estimate is a reading; NaN (no finger, settling, noise) is "nothing now".
    sources.hr = () => (hr.reading.valid ? hr.reading.bpm : undefined);
  }
  if (thermometer) {
    // Each completed conversion once (the drivers' freshness rules); the MAX30205's first call only starts one.
    sources.temp = () => thermometer.sample()?.temperature;
  }
  return {
    sources,
    estimator,
    close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clock.clear(timer);
      ppg?.close();
      thermometer?.close();
    },
  };
}

/** The real parts on an I2C bus (device.I2C.default on the board). */
export function startVitals(bus: SensorBus, clock: Clock, onError: (error: Error) => void): Vitals {
  let ppg: Max30102 | undefined;
  try {
    // SpO2 mode, 400 conversions/s averaged by 4: 100 samples/s of red and IR.
    ppg = new Max30102({ sensor: bus, mode: "spo2", sampleRate: 400, sampleAverage: 4 });
  } catch (error) {
    onError(asError(error));
  }
  return runVitals(clock, ppg, openThermometer(bus, onError), onError);
}

/** The part at 0x48: a TMP117, else a MAX30205 (with `max30205` settings; one-shot by default). Both
 *  failures are reported and no thermometer is returned. */
export function openThermometer(
  bus: SensorBus,
  onError: (error: Error) => void,
  max30205: Partial<Max30205Config> = {},
): Thermometer | undefined {
  try {
    return new Tmp117({ sensor: bus });
  } catch (tmp117Error) {
    try {
      return new Max30205({ ...max30205, sensor: bus });
    } catch (max30205Error) {
      onError(asError(tmp117Error));
      onError(asError(max30205Error));
      return undefined;
    }
  }
}

