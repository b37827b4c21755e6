// Arm motion for a wrist-worn optical sensor: the acceleration an accelerometer on the wearable measures
// (gravity included, in g) and the artifact the same motion puts into the PPG. Walking swings the arm at a
// cadence (a periodic artifact that passes for a pulse: 1.3 Hz reads as 78 bpm); gestures are irregular
// bursts. The artifact follows each episode's acceleration with a coupling of its own (how the strap presses
// the sensor this time), 50 ms late, with a quadratic part: the accelerometer tells that there is motion and
// when, not the exact waveform it leaves in the light. Seeded; the artifact is a function of t alone, the accelerometer's
// noise follows the order of the calls.
import { Prng } from "./prng.js";

export interface Acceleration {
  x: number;
  y: number;
  z: number;
}

/** What an accelerometer model measures: acceleration in g at `t` seconds, gravity included. */
export interface AccelerationSource {
  acceleration(t: number, out: Acceleration): void;
}

export type MotionEpisode =
  /** Arm swing while walking or running: `cadence` swings per second, `amplitude` g peak. */
  | { kind: "swing"; start: number; duration: number; cadence: number; amplitude: number }
  /** Gesturing, reaching, scratching: three random tones of 0.4..3 Hz, `amplitude` g peak at most. */
  | { kind: "gesture"; start: number; duration: number; amplitude: number };

export interface ArmMotionOptions {
  seed: number;
  episodes: MotionEpisode[];
  /** PPG artifact per g of acceleration along the sensitive direction, in pulse amplitudes (default 6). */
  coupling?: number;
  /** Accelerometer noise, g RMS (default 0.003). */
  noise?: number;
}

const ARTIFACT_DELAY = 0.05; // s: tissue and blood follow the motion a little late
const EDGE = 0.3; // s: episodes fade in and out

interface Episode {
  start: number;
  end: number;
  freq: number[];
  phase: number[];
  gain: number[];
  axis: [number, number, number]; // unit vector of the motion
  coupling: number; // how strongly this episode shows in the light, relative to `coupling`
}

export class ArmMotion implements AccelerationSource {
  readonly options: ArmMotionOptions;
  #episodes: Episode[];
  #gravity: [number, number, number];
  #rng: Prng;

  constructor(options: ArmMotionOptions) {
    this.options = options;
    const rng = (this.#rng = new Prng(options.seed));
    // The watch face roughly up, tilted a little: gravity mostly on z.
    this.#gravity = unit([rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), 1]);
    this.#episodes = options.episodes.map((e) => {
      const axis = unit([rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-0.5, 0.5)]);
      const coupling = rng.uniform(0.6, 1.2);
      const start = e.start, end = e.start + e.duration;
      if (e.kind === "swing") {
        // Fundamental and second harmonic (the arm decelerates at both ends of the swing).
        const phase = [rng.uniform(0, 6.283), rng.uniform(0, 6.283)];
        return { start, end, freq: [e.cadence, 2 * e.cadence], phase, gain: [e.amplitude, 0.3 * e.amplitude], axis, coupling };
      }
      const freq = [0, 0, 0].map(() => rng.uniform(0.4, 3));
      const gain = [0, 0, 0].map(() => (e.amplitude / 3) * rng.uniform(0.4, 1));
      return { start, end, freq, phase: [0, 0, 0].map(() => rng.uniform(0, 6.283)), gain, axis, coupling };
    });
  }

  /** Dynamic acceleration (gravity left out) of episode `e` at `t` along its axis, g. */
  #wave(e: Episode, t: number): number {
    if (t < e.start || t >= e.end) return 0;
    const edge = Math.min(1, (t - e.start) / EDGE, (e.end - t) / EDGE);
    const envelope = Math.sin((Math.PI / 2) * edge) ** 2;
    let wave = 0;
    for (let k = 0; k < e.freq.length; k++) wave += e.gain[k] * Math.sin(2 * Math.PI * e.freq[k] * t + e.phase[k]);
    return envelope * wave;
  }

  /** Dynamic acceleration at `t` along `direction`, g. */
  #dynamic(t: number, direction: readonly number[]): number {
    let sum = 0;
    for (const e of this.#episodes) sum += this.#wave(e, t) * (e.axis[0] * direction[0] + e.axis[1] * direction[1] + e.axis[2] * direction[2]);
    return sum;
  }

  acceleration(t: number, out: Acceleration): void {
    const noise = this.options.noise ?? 0.003;
    out.x = this.#gravity[0] + this.#dynamic(t, X) + noise * this.#rng.gauss();
    out.y = this.#gravity[1] + this.#dynamic(t, Y) + noise * this.#rng.gauss();
    out.z = this.#gravity[2] + this.#dynamic(t, Z) + noise * this.#rng.gauss();
  }

  /** What the motion adds to the PPG at `t`, in pulse amplitudes. */
  artifact(t: number): number {
    let a = 0;
    for (const e of this.#episodes) a += e.coupling * this.#wave(e, t - ARTIFACT_DELAY);
    return (this.options.coupling ?? 6) * (a + 0.5 * a * a);
  }

  /** Whether any episode covers [from, to). */
  moving(from: number, to: number): boolean {
    return this.#episodes.some((e) => e.start < to && e.end > from);
  }
}

const X = [1, 0, 0] as const, Y = [0, 1, 0] as const, Z = [0, 0, 1] as const;

function unit(v: [number, number, number]): [number, number, number] {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}
