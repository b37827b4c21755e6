// The device's sensor chain, as vital sources for the TelemetryApp: the MAX30102 FIFO drained on a timer
// into the heart-rate estimator, and skin temperature from a TMP117 or MAX30205 (they share 0x48, so the
// TMP117 is tried first: it has an identity register, the MAX30205 has none). A missing or failing part
// leaves its source out and is reported; the other vital still works. An LIS2DH12 / LIS3DH accelerometer,
// when the board has one, tells the estimator when the wrist moves (its FIFO is drained on the same timer,
// before the PPG); without one the estimator works on the PPG alone. It is optional: its absence is not
// reported.
//
// Pure: the bus and the clock come in, so the host tests run this against the chip models of
// host-sim/chips, and the lin simulator against a simulated light source (sensors-simulated.ts).
// Heart rate is pushed: each new valid estimate goes to `sink` (the app) once, stamped with the time its
// window ended. Temperature is polled: a conversion is fresh once (the drivers' rules).
// Memory: one object holds the loop's state; its only functions are the timer's callback and the
// temperature source the app calls (bound methods: no closure scopes kept alive, none per reading).
import type { Clock, SensorBus, TimerId } from "../platform/ports.js";
import { HeartRateEstimator } from "./heart-rate.js";
import { Lis2dh12, LIS2DH12_ADDRESS } from "./lis2dh12.js";
import { SensorError } from "./sensor-error.js";
import { Max30102, type Max30102Settings } from "./max30102.js";
import { Max30205, type Max30205Config } from "./max30205.js";
import { Tmp117 } from "./tmp117.js";
import type { TemperatureSample } from "./temperature.js";
import type { ReadingKind, VitalSink, VitalSource } from "../common/vital-signs.js";
import { asError } from "../mqtt/common/as-error.js";

/** FIFO drain period: the MAX30102 holds 32 samples, 320 ms at 100 samples/s. The longest period that
 *  leaves room (70 ms) for a late timer: the CPU wakes 4 times a second for it, and light-sleeps between
 *  (docs/device.md, power). The FIFO-almost-full interrupt would not wake it less often: its threshold is
 *  17..32 unread samples, at most 320 ms at this rate. */
export const DRAIN_MS = 250;

/** How the device runs the MAX30102 (datasheet 19-7740): the IR LED alone (multi-LED mode, one slot), since
 *  the estimator reads IR only and nothing computes SpO2 (the red LED would double the LED current); 400
 *  conversions/s averaged by 4 (100 samples/s); 7.2 mA pulses of 411 us (18-bit). The LED's average draw is
 *  7.2 mA x 411 us x 400/s = 1.18 mA, the part's largest cost and the wearable's second after the CPU's
 *  floor (docs/device.md). */
export const PPG_SETTINGS: Readonly<Max30102Settings> = Object.freeze({
  mode: "multi-led",
  slots: Object.freeze(["ir", "none", "none", "none"]) as Max30102Settings["slots"],
  sampleRate: 400,
  sampleAverage: 4,
  pulseWidth: 411,
  irCurrent: 7.2,
  redCurrent: 0,
} as const);
/** The accelerometer's other address (SA0 low). */
const LIS2DH12_ALTERNATE_ADDRESS = 0x18;

/** What the drain loop needs of a PPG front end (Max30102 satisfies it). */
export interface PpgSource {
  /** Samples per second in the FIFO. */
  readonly outputRate: number;
  sample(): { count: number; ir: ArrayLike<number>; lost: number; discontinuity: boolean };
  close(): void;
}

/** What the drain loop needs of an accelerometer (Lis2dh12 satisfies it). */
export interface MotionSource {
  /** Samples per second in the FIFO. */
  readonly outputRate: number;
  /** g per count of `xyz`. */
  readonly scale: number;
  /** xyz[3i..3i + 2] for i < count, oldest first. */
  sample(): { count: number; xyz: ArrayLike<number> };
  close(): void;
}

export interface Thermometer {
  sample(): TemperatureSample | undefined;
  close(): void;
}

export interface Vitals {
  /** The polled vitals (temperature). */
  readonly sources: Partial<Record<ReadingKind, VitalSource>>;
  /** Where each new valid heart-rate estimate goes (the app); estimates before it is set are not kept. */
  sink: VitalSink | undefined;
  /** The latest heart-rate estimator state (for traces). */
  readonly estimator?: HeartRateEstimator;
  close(): void;
}

/** Runs a PPG source into the heart-rate estimator, pushing its estimates to `sink`, and offers a
 *  thermometer as a polled source.
 *  `drainMs` is for simulations that need another period (e.g. to overflow the FIFO on purpose);
 *  `motion`, an accelerometer on the same wrist. */
export function runVitals(
  clock: Clock,
  ppg: PpgSource | undefined,
  thermometer: Thermometer | undefined,
  onError: (error: Error) => void,
  drainMs: number = DRAIN_MS,
  motion?: MotionSource,
): Vitals {
  return new VitalsLoop(clock, ppg, thermometer, onError, drainMs, motion);
}

class VitalsLoop implements Vitals {
  readonly sources: Partial<Record<ReadingKind, VitalSource>> = {};
  readonly estimator?: HeartRateEstimator;
  sink: VitalSink | undefined;
  readonly #clock: Clock;
  readonly #ppg: PpgSource | undefined;
  readonly #thermometer: Thermometer | undefined;
  readonly #motion: MotionSource | undefined;
  readonly #onError: (error: Error) => void;
  readonly #drainMs: number;
  readonly #tick = this.drain.bind(this);
  #timer: TimerId | undefined;
  #closed = false;

  constructor(
    clock: Clock,
    ppg: PpgSource | undefined,
    thermometer: Thermometer | undefined,
    onError: (error: Error) => void,
    drainMs: number,
    motion: MotionSource | undefined,
  ) {
    this.#clock = clock;
    this.#ppg = ppg;
    this.#thermometer = thermometer;
    this.#motion = ppg ? motion : undefined;
    this.#onError = onError;
    this.#drainMs = drainMs;
    if (ppg) {
      this.estimator = new HeartRateEstimator({ sampleRate: ppg.outputRate, motionRate: this.#motion?.outputRate });
      this.#timer = clock.set(this.#tick, drainMs);
    }
    // Each completed conversion once (the drivers' freshness rules); the MAX30205's first call only starts one.
    if (thermometer) this.sources.temp = this.temperature.bind(this);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clear(this.#timer);
    this.#ppg?.close();
    this.#motion?.close();
    this.#thermometer?.close();
  }

  private temperature(): number | undefined {
    return this.#thermometer!.sample()?.temperature;
  }

  private drain(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const hr = this.estimator!;
    const motion = this.#motion;
    if (motion) {
      // Motion first: it flags the PPG samples of the same period as they arrive.
      try {
        const m = motion.sample();
        const g = motion.scale;
        for (let i = 0; i < m.count; i++) hr.pushMotion(m.xyz[3 * i] * g, m.xyz[3 * i + 1] * g, m.xyz[3 * i + 2] * g);
      } catch (error) {
        this.#onError(asError(error)); // the PPG goes on, judged as without an accelerometer meanwhile
      }
    }
    const ppg = this.#ppg!;
    try {
      const s = ppg.sample();
      // The FIFO's newest sample was taken about now; each one before it a sample period earlier.
      const now = this.#clock.ticks();
      if (s.discontinuity) hr.markGap(s.lost);
      for (let i = 0; i < s.count; i++) {
        if (hr.push(s.ir[i])) this.estimated(now - ((s.count - 1 - i) * 1000) / ppg.outputRate);
      }
    } catch (error) {
      hr.markGap(0); // the stream is broken: no reading until a whole clean window has passed
      this.#onError(asError(error));
    }
    this.#timer = this.#clock.set(this.#tick, this.#drainMs);
  }

  /** The estimator renewed its reading with the sample taken at `ticks`, the end of its window (its
   *  `reading.at`): a valid one is a heart-rate reading; NaN (no finger, settling, noise) is none. */
  private estimated(ticks: number): void {
    const r = this.estimator!.reading;
    if (r.valid) this.sink?.offer("hr", r.bpm, ticks); // the app never throws here
  }
}

/** The real parts on an I2C bus (device.I2C.default on the board). */
export function startVitals(bus: SensorBus, clock: Clock, onError: (error: Error) => void): Vitals {
  let ppg: Max30102 | undefined;
  try {
    ppg = new Max30102({ sensor: bus, ...PPG_SETTINGS });
  } catch (error) {
    onError(asError(error));
  }
  const motion = ppg ? openAccelerometer(bus, onError) : undefined;
  return runVitals(clock, ppg, openThermometer(bus, onError), onError, DRAIN_MS, motion);
}

/** An LIS2DH12 (or LIS3DH) at 0x19, else at 0x18; undefined when neither answers (no accelerometer on this
 *  board: not an error). Anything else that goes wrong is reported. */
export function openAccelerometer(bus: SensorBus, onError: (error: Error) => void): Lis2dh12 | undefined {
  for (const address of [LIS2DH12_ADDRESS, LIS2DH12_ALTERNATE_ADDRESS]) {
    try {
      return new Lis2dh12({ sensor: { ...bus, address } });
    } catch (error) {
      if (!(error instanceof SensorError && error.code === "absent")) {
        onError(asError(error));
        return undefined;
      }
    }
  }
  return undefined;
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
