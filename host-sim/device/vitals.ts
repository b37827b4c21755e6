// The sensor half of one simulated wearable, in real time: the virtual board (host-sim/chips/board.ts: a
// MAX30102 and a TMP117 or MAX30205 on one I2C bus), driven by the firmware's own drivers and heart-rate
// estimator as the device wires them (host-sim/xs/entries/app.ts does the same under XS). The bus's
// virtual time follows the Clock port: each FIFO drain first advances the chips by the ticks elapsed
// since the last one, so a stalled event loop overflows the FIFO here as a busy device would.
import type { Clock, TimerId } from "../../firmware/platform/ports.js";
import { HeartRateEstimator } from "../../firmware/sensors/heart-rate.js";
import { Max30102 } from "../../firmware/sensors/max30102.js";
import { Max30205 } from "../../firmware/sensors/max30205.js";
import { SensorError } from "../../firmware/sensors/errors.js";
import type { TemperatureSample } from "../../firmware/sensors/temperature.js";
import { Tmp117 } from "../../firmware/sensors/tmp117.js";
import type { VitalSource } from "../../firmware/telemetry/app.js";
import type { ReadingKind } from "../../firmware/telemetry/reading.js";
import { createBoard, type Board } from "../chips/board.js";
import type { VirtualI2CBus } from "../chips/bus.js";
import type { OpticalSource } from "../chips/optical.js";

export interface VitalsOptions {
  clock: Clock;
  /** What the MAX30102's photodiode sees (synthetic PPG or a replay). */
  light: OpticalSource;
  /** Skin temperature the MAX30205 sees, C, as a function of seconds since start. */
  temperature: (seconds: number) => number;
  /** Which thermometer the board carries at 0x48 (default "tmp117"); the drivers find out which it is. */
  thermometer?: "tmp117" | "max30205";
  /** FIFO drain period, ms (default 100: the 32-sample FIFO holds 320 ms at 100 samples/s). */
  drainMs?: number;
}

interface Thermometer {
  sample(): TemperatureSample | undefined;
  close(): void;
}

/** The part at 0x48, as firmware would find it: a TMP117 answers its device id, else a MAX30205. */
function openThermometer(bus: VirtualI2CBus): Thermometer {
  try {
    return new Tmp117({ sensor: { io: bus.io } });
  } catch (error) {
    if (!(error instanceof SensorError && error.code === "wrong-part")) throw error;
    // Continuous: every app sample gets the latest conversion (at most 50 ms old).
    return new Max30205({ sensor: { io: bus.io }, mode: "continuous" });
  }
}

export class SimulatedVitals {
  readonly bus: VirtualI2CBus;
  /** What the app samples: the latest valid heart-rate estimate, the latest temperature conversion. */
  readonly sources: Record<ReadingKind, VitalSource>;
  /** Latest values, for display (undefined: none yet, or no valid estimate now). */
  bpm: number | undefined;
  temperature: number | undefined;
  #clock: Clock;
  #board: Board;
  #ppg: Max30102;
  #thermometer: Thermometer;
  #estimator: HeartRateEstimator;
  #temperatureAt: (seconds: number) => number;
  #drainMs: number;
  #last: number;
  #timer: TimerId | undefined;
  #closed = false;

  constructor(options: VitalsOptions) {
    this.#clock = options.clock;
    this.#drainMs = options.drainMs ?? 100;
    this.#temperatureAt = options.temperature;
    this.#board = createBoard({ light: options.light, thermometer: options.thermometer ?? "tmp117", skinTemperature: options.temperature(0) });
    this.bus = this.#board.bus;
    this.#ppg = new Max30102({ sensor: { io: this.bus.io }, mode: "spo2", sampleRate: 400, sampleAverage: 4 });
    this.#estimator = new HeartRateEstimator({ sampleRate: this.#ppg.outputRate });
    this.#thermometer = openThermometer(this.bus);
    this.#last = this.#clock.ticks();
    this.sources = {
      hr: () => this.bpm,
      temp: () => {
        this.#advance();
        const t = this.#thermometer.sample()?.temperature;
        if (t !== undefined) this.temperature = t;
        return t;
      },
    };
  }

  start(): void {
    if (this.#timer === undefined && !this.#closed) this.#timer = this.#clock.set(() => this.#drain(), this.#drainMs);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clear(this.#timer);
    this.#timer = undefined;
    this.#ppg.close();
    this.#thermometer.close();
  }

  /** Chips catch up with the clock. */
  #advance(): void {
    const now = this.#clock.ticks();
    const elapsed = now - this.#last;
    if (elapsed <= 0) return;
    this.#last = now;
    this.#board.thermometer!.temperature = this.#temperatureAt(this.bus.now / 1000);
    this.#board.advance(elapsed);
  }

  #drain(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    this.#advance();
    const s = this.#ppg.sample();
    if (s.discontinuity) this.#estimator.markGap(s.lost);
    for (let i = 0; i < s.count; i++) {
      if (!this.#estimator.push(s.ir[i])) continue;
      const r = this.#estimator.reading;
      this.bpm = r.valid ? r.bpm : undefined;
    }
    this.#timer = this.#clock.set(() => this.#drain(), this.#drainMs);
  }
}
