// Replays a recorded PPG waveform (e.g. BIDMC record 01: 125 Hz, 0..1, larger = more absorption) as the light
// a MAX3010x would see. The waveform is inverted and scaled: IR light = level x (1 - depth x value), so with the
// default settings it lands around 75 k of the 2^18 ADC counts with a ~1.5 % pulsatile part, like a finger.
// The chip model asks for the light at its own conversion times (e.g. 400 sps, averaged 4 -> 100 samples/s):
// the recording is resampled by linear interpolation between its samples, which preserves beat timing to well
// under one sample of the recording.
import type { OpticalSample, OpticalSource } from "./optical.js";

export interface ReplayOptions {
  /** IR photocurrent per mA of LED drive at value 0, nA (default 190). */
  irLevel?: number;
  /** Fraction of the light absorbed at value 1 (default 0.03). */
  depth?: number;
  ambient?: number;
}

export class WaveformReplay implements OpticalSource {
  readonly duration: number;
  #values: Float32Array;
  #rate: number;
  #level: number;
  #depth: number;
  #ambient: number;

  constructor(values: Float32Array, rate: number, options: ReplayOptions = {}) {
    this.#values = values;
    this.#rate = rate;
    this.#level = options.irLevel ?? 190;
    this.#depth = options.depth ?? 0.03;
    this.#ambient = options.ambient ?? 50;
    this.duration = (values.length - 1) / rate;
  }

  /** The recorded value at `t` seconds (held at the ends). */
  valueAt(t: number): number {
    const v = this.#values;
    const x = t * this.#rate;
    if (x <= 0) return v[0];
    const i = Math.floor(x);
    if (i >= v.length - 1) return v[v.length - 1];
    const f = x - i;
    return v[i] + (v[i + 1] - v[i]) * f;
  }

  sample(t: number, out: OpticalSample): void {
    const absorbed = this.#depth * this.valueAt(t);
    out.ir = this.#level * (1 - absorbed);
    out.red = this.#level * 0.7 * (1 - 0.6 * absorbed);
    out.ambient = this.#ambient;
  }
}
