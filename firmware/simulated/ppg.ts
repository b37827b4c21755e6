// A simulated MAX30102 for the Moddable simulator (lin has no I2C): finger PPG at a slowly wandering heart
// rate, delivered like the chip's FIFO - whatever accumulated since the last sample() call, at the chip's
// output rate. Deliberately small; the register-level chip models with realistic noise, motion and real
// recordings are host-sim/chips (Node and XS tests), which the device build does not carry.
//
// Light: IR counts fall as blood volume rises; one beat is the two-Gaussian pulse of beat-shape.ts (the
// host's synthetic PPG uses the same), plus a little deterministic noise.
import type { Clock } from "../platform/ports.js";
import { beatShape } from "./beat-shape.js";

export interface SimulatedPpgOptions {
  clock: Clock;
  /** Mean heart rate, beats per minute (default 72). */
  bpm?: number;
  /** Samples per second (default 100, as the device configures the MAX30102). */
  rate?: number;
  /** Seed of the noise generator (default 1). */
  seed?: number;
}

const DC = 80_000; // counts with a finger at ~7 mA IR drive, 4096 nA range
const PULSE = 1_200; // pulsatile part, counts (perfusion index ~1.5 %)
const NOISE = 15; // counts, peak
const FIFO = 32; // the chip keeps the newest 32 samples when nobody drains it (rollover on)


export class SimulatedPpg {
  readonly outputRate: number;
  readonly #clock: Clock;
  readonly #bpm: number;
  readonly #out = { count: 0, ir: new Int32Array(FIFO), lost: 0, discontinuity: false };
  #produced = 0; // samples made since start
  #start: number;
  #phase = 0; // beat phase, cycles
  #seed: number;

  constructor(options: SimulatedPpgOptions) {
    this.#clock = options.clock;
    this.#bpm = options.bpm ?? 72;
    this.outputRate = options.rate ?? 100;
    this.#start = this.#clock.ticks();
    this.#seed = options.seed ?? 1;
  }

  /** The samples due since the previous call (at most a FIFO's worth; older ones count as lost). */
  sample(): { count: number; ir: Int32Array; lost: number; discontinuity: boolean } {
    const out = this.#out;
    const due = Math.floor(((this.#clock.ticks() - this.#start) * this.outputRate) / 1000) - this.#produced;
    out.lost = Math.max(0, due - FIFO);
    out.discontinuity = out.lost > 0;
    out.count = Math.min(Math.max(0, due), FIFO);
    for (let i = 0; i < out.lost; i++) this.next(); // the chip overwrote them
    for (let i = 0; i < out.count; i++) out.ir[i] = this.next();
    return out;
  }

  close(): void {}

  private next(): number {
    const t = this.#produced++ / this.outputRate;
    // Respiratory sinus arrhythmia: +-4 % at 15 breaths per minute, and a slow +-5 bpm drift over 10 min.
    const bpm = this.#bpm * (1 + 0.04 * Math.sin((2 * Math.PI * t) / 4)) + 5 * Math.sin((2 * Math.PI * t) / 600);
    this.#phase = (this.#phase + bpm / 60 / this.outputRate) % 1;
    const light = beatShape(this.#phase * 2 * Math.PI - Math.PI);
    return Math.round(DC - PULSE * light + NOISE * (this.random() * 2 - 1));
  }

  private random(): number {
    // xorshift32: deterministic, allocation-free
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x >>> 0 || 1;
    return this.#seed / 0x1_0000_0000;
  }
}

/** Skin temperature around 36.4 C with a slow +-0.3 C swing; one new conversion per call, like a TMP117
 *  in continuous mode read no faster than it converts. */
export class SimulatedThermometer {
  readonly #clock: Clock;
  readonly #out = { temperature: 0 };
  constructor(clock: Clock) {
    this.#clock = clock;
  }
  sample(): { temperature: number } {
    const minutes = this.#clock.ticks() / 60_000;
    this.#out.temperature = Math.round((36.4 + 0.3 * Math.sin((2 * Math.PI * minutes) / 20)) * 128) / 128;
    return this.#out;
  }
  close(): void {}
}
