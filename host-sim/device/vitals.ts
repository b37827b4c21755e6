// The sensor half of one simulated wearable, in real time: the MAX30102 and MAX30205 register models on a
// virtual I2C bus, driven by the firmware's own drivers and heart-rate estimator, exactly as the device
// wires them (host-sim/xs/entries/app.ts does the same under XS). The bus's virtual time follows the Clock
// port: each FIFO drain first advances the chips by the ticks elapsed since the last one, so a stalled
// event loop overflows the FIFO here as a busy device would.
import type { Clock, TimerId } from "../../firmware/platform/ports.js";
import { HeartRateEstimator } from "../../firmware/sensors/heart-rate.js";
import { Max30102 } from "../../firmware/sensors/max30102.js";
import { Max30205 } from "../../firmware/sensors/max30205.js";
import type { VitalSource } from "../../firmware/telemetry/app.js";
import type { ReadingKind } from "../../firmware/telemetry/reading.js";
import { VirtualI2CBus } from "../chips/bus.js";
import { Max30102Model } from "../chips/max30102-model.js";
import { Max30205Model } from "../chips/max30205-model.js";
import type { OpticalSource } from "../chips/optical.js";

export interface VitalsOptions {
  clock: Clock;
  /** What the MAX30102's photodiode sees (synthetic PPG or a replay). */
  light: OpticalSource;
  /** Skin temperature the MAX30205 sees, C, as a function of seconds since start. */
  temperature: (seconds: number) => number;
  /** FIFO drain period, ms (default 100: the 32-sample FIFO holds 320 ms at 100 samples/s). */
  drainMs?: number;
}

export class SimulatedVitals {
  readonly bus = new VirtualI2CBus();
  /** What the app samples: the latest valid heart-rate estimate, the latest temperature conversion. */
  readonly sources: Record<ReadingKind, VitalSource>;
  /** Latest values, for display (undefined: none yet, or no valid estimate now). */
  bpm: number | undefined;
  temperature: number | undefined;
  #clock: Clock;
  #ppgModel: Max30102Model;
  #thermometerModel: Max30205Model;
  #ppg: Max30102;
  #thermometer: Max30205;
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
    this.#ppgModel = new Max30102Model({ source: options.light });
    this.#thermometerModel = new Max30205Model({ temperature: options.temperature(0) });
    this.bus.attach(this.#ppgModel);
    this.bus.attach(this.#thermometerModel);
    this.#ppg = new Max30102({ sensor: { io: this.bus.io }, mode: "spo2", sampleRate: 400, sampleAverage: 4 });
    this.#estimator = new HeartRateEstimator({ sampleRate: this.#ppg.outputRate });
    // Continuous: every app sample gets the latest conversion (at most 50 ms old).
    this.#thermometer = new Max30205({ sensor: { io: this.bus.io }, mode: "continuous" });
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
    this.#thermometerModel.temperature = this.#temperatureAt(this.bus.now / 1000);
    this.bus.advance(elapsed);
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
