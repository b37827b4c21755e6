// The sensor half of one simulated wearable, in real time: the virtual board (host-sim/chips/board.ts: a
// MAX30102 and a TMP117 or MAX30205 on one I2C bus), driven by the device's own sensor chain
// (firmware/sensors/sensor-chain.ts: runVitals and openThermometer). The bus's virtual time follows
// the Clock port: every read of a part first advances the chips by the ticks elapsed since the last one,
// so a stalled event loop overflows the FIFO here as a busy device would.
import type { Clock } from "../../firmware/platform/ports.js";
import { Max30102 } from "../../firmware/sensors/max30102.js";
import type { ReadingKind, VitalSink, VitalSource } from "../../firmware/common/vital-signs.js";
import {
  DRAIN_MS,
  PPG_SETTINGS,
  openThermometer,
  runVitals,
  type PpgSource,
  type Thermometer,
  type Vitals,
} from "../../firmware/sensors/sensor-chain.js";
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
  /** FIFO drain period, ms (default DRAIN_MS, the device's). */
  drainMs?: number;
  /** A part that fails (at start-up or while draining). Default: thrown, as nothing here should fail. */
  onError?: (error: Error) => void;
}

function raise(error: Error): never {
  throw error;
}

export class SimulatedVitals {
  readonly bus: VirtualI2CBus;
  /** What the app polls: the latest temperature conversion. Nothing before start(). Heart-rate estimates
   *  are pushed to `sink` instead, each once, stamped at the end of its window. */
  readonly sources: Partial<Record<ReadingKind, VitalSource>>;
  /** Latest temperature conversion, for display (undefined: none yet). */
  temperature: number | undefined;
  #clock: Clock;
  #board: Board;
  #ppg: PpgSource;
  #thermometer: Thermometer;
  #temperatureAt: (seconds: number) => number;
  #drainMs: number;
  #onError: (error: Error) => void;
  #last: number;
  #vitals: Vitals | undefined;
  #sink: VitalSink | undefined;
  #closed = false;

  constructor(options: VitalsOptions) {
    this.#clock = options.clock;
    this.#drainMs = options.drainMs ?? DRAIN_MS;
    this.#onError = options.onError ?? raise;
    this.#temperatureAt = options.temperature;
    this.#board = createBoard({ light: options.light, thermometer: options.thermometer ?? "tmp117", skinTemperature: options.temperature(0) });
    this.bus = this.#board.bus;
    this.#last = this.#clock.ticks();
    const sensor = { io: this.bus.io };
    // As the device configures it (startVitals): the IR LED alone, 100 samples/s.
    const ppg = new Max30102({ sensor, ...PPG_SETTINGS });
    // Continuous MAX30205: every app sample gets the latest conversion (at most 50 ms old), the first included.
    const thermometer = openThermometer(sensor, this.#onError, { mode: "continuous" });
    if (!thermometer) throw new Error("the virtual board has no thermometer at 0x48");
    // The chips catch up with the clock before each read.
    this.#ppg = {
      outputRate: ppg.outputRate,
      sample: () => {
        this.#advance();
        return ppg.sample();
      },
      close: () => ppg.close(),
    };
    this.#thermometer = {
      sample: () => {
        this.#advance();
        const s = thermometer.sample();
        if (s !== undefined) this.temperature = s.temperature;
        return s;
      },
      close: () => thermometer.close(),
    };
    this.sources = { temp: () => this.#vitals?.sources.temp?.() };
  }

  /** Where heart-rate estimates go (the app), from start() on. */
  get sink(): VitalSink | undefined {
    return this.#sink;
  }

  set sink(sink: VitalSink | undefined) {
    this.#sink = sink;
    if (this.#vitals) this.#vitals.sink = sink;
  }

  /** Latest valid heart-rate estimate, for display (undefined: none yet, or no valid estimate now). */
  get bpm(): number | undefined {
    const r = this.#vitals?.estimator?.reading;
    return r?.valid ? r.bpm : undefined;
  }

  /** Starts draining the FIFO (the device's chain, at this simulation's drain period). */
  start(): void {
    if (this.#vitals !== undefined || this.#closed) return;
    this.#vitals = runVitals(this.#clock, this.#ppg, this.#thermometer, this.#onError, this.#drainMs);
    this.#vitals.sink = this.#sink;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#vitals) this.#vitals.close();
    else {
      this.#ppg.close();
      this.#thermometer.close();
    }
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
}
