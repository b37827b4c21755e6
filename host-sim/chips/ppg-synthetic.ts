// Synthetic finger PPG following a ground-truth heart-rate trajectory: each beat is the two-Gaussian pulse
// of firmware/simulated/beat-shape.ts (the one pulse model, shared with the simulator's sensor), with
// beat-to-beat variability, respiratory sinus arrhythmia and
// amplitude/baseline modulation, premature beats with compensatory pauses, an irregular
// (atrial-fibrillation-like) rhythm, baseline wander, white noise, noise confined to a frequency band,
// motion-artifact bursts (on their own, or from arm motion an accelerometer sees too), no pulse under the
// sensor, or no finger at all. Seeded: the same options give the same light.
import { beatShape } from "../../firmware/simulated/beat-shape.js";
import type { ArmMotion } from "./arm-motion.js";
import type { OpticalSample, OpticalSource } from "./optical.js";
import { meanHeartRate } from "./ppg-reference.js";
import { Prng } from "./prng.js";

export interface MotionBurst {
  /** Seconds. */
  start: number;
  duration: number;
}

export interface SyntheticPpgOptions {
  seed: number;
  /** Ground-truth heart rate, bpm, as a function of time (s). */
  heartRate: (t: number) => number;
  /** Beat-to-beat interval standard deviation, fraction of the interval (default 0.02). */
  variability?: number;
  /** Respiratory sinus arrhythmia: interval modulation amplitude, fraction (default 0.03). */
  rsa?: number;
  /** Breaths per minute (default 15). */
  respirationRate?: number;
  /** Pulse amplitude modulation by respiration, fraction (default 0.1). */
  respirationAmplitude?: number;
  /** Probability that a beat is premature (short interval, weak pulse, compensatory pause). */
  ectopicRate?: number;
  /** Irregular rhythm (atrial-fibrillation-like): each interval is the rate's interval x (1 +- up to this),
   *  uniformly, and a pulse is weaker after a shorter filling time (default 0). */
  irregularity?: number;
  /** Slow baseline wander amplitude, in pulse amplitudes (default 0.5). */
  baselineWander?: number;
  /** White noise standard deviation per sample, in pulse amplitudes (default 0.02). */
  noise?: number;
  /** Noise confined to [low, high] Hz (e.g. vasomotion, tremor, fidgeting), RMS in pulse amplitudes. */
  bandNoise?: { rms: number; low: number; high: number };
  /** A finger (or wrist) on the sensor, but no pulse in the light: everything else stays. */
  noPulse?: boolean;
  motion?: MotionBurst[];
  /** Arm motion an accelerometer on the wrist sees too: its artifact is added to the light. */
  arm?: ArmMotion;
  /** Motion artifact amplitude, in pulse amplitudes (default 6). */
  motionAmplitude?: number;
  /** No finger on the sensor: only a little leaked light and noise. */
  noFinger?: boolean;
  /** IR photocurrent per mA of LED drive, nA (default 180: ~75 k counts at 7.2 mA, 4096 nA range). */
  irLevel?: number;
  /** Pulsatile fraction of the IR light (perfusion index, default 0.015). */
  perfusion?: number;
  ambient?: number;
}

/** Longest duration of the two-Gaussian beat shape, s. */
const SHAPE_MAX_SECONDS = 0.8;
/** Red light per IR light, and red perfusion per IR perfusion (ratio ~0.6: SpO2 around 97 %). */
const RED_LEVEL = 0.7, RED_PERFUSION = 0.6;
/** Sinusoids summed into band noise: enough for a Gaussian-looking, aperiodic signal over minutes. */
const BAND_COMPONENTS = 32;

interface Burst {
  start: number;
  end: number;
  freq: Float64Array;
  phase: Float64Array;
  gain: Float64Array;
  dcShift: number;
}

export class SyntheticPpg implements OpticalSource {
  /** Onset times of every beat generated so far (s): the ground truth. */
  readonly beats: number[] = [];
  readonly options: SyntheticPpgOptions;
  #rng: Prng;
  #beatStart = 0;
  #beatLength: number;
  #beatAmplitude = 1;
  #compensatory = 0;
  #respPhase: number;
  #wander: { f: number; p: number; a: number }[];
  #bursts: Burst[];
  #band: { f: number; p: number; a: number }[];
  #previousLength: number;

  constructor(options: SyntheticPpgOptions) {
    this.options = options;
    this.#rng = new Prng(options.seed);
    const rng = this.#rng;
    this.#respPhase = rng.uniform(0, 2 * Math.PI);
    const wander = options.baselineWander ?? 0.5;
    this.#wander = [0.03, 0.07, 0.11].map((f) => ({ f: f * rng.uniform(0.8, 1.2), p: rng.uniform(0, 2 * Math.PI), a: (wander / 3) * rng.uniform(0.5, 1.5) }));
    this.#bursts = (options.motion ?? []).map((b) => ({
      start: b.start,
      end: b.start + b.duration,
      freq: Float64Array.from([0, 0, 0], () => rng.uniform(0.4, 3)),
      phase: Float64Array.from([0, 0, 0], () => rng.uniform(0, 2 * Math.PI)),
      gain: Float64Array.from([0, 0, 0], () => rng.uniform(0.4, 1)),
      dcShift: rng.uniform(-0.03, 0.03),
    }));
    const band = options.bandNoise;
    this.#band = band
      ? Array.from({ length: BAND_COMPONENTS }, () => ({
          f: rng.uniform(band.low, band.high),
          p: rng.uniform(0, 2 * Math.PI),
          a: band.rms * Math.sqrt(2 / BAND_COMPONENTS),
        }))
      : [];
    this.#beatLength = 60 / options.heartRate(0);
    this.#previousLength = this.#beatLength;
    this.beats.push(0);
  }

  /** Mean heart rate over [from, to) from the beat onsets inside it, as an ECG-derived reference would be. */
  referenceHeartRate(from: number, to: number): number {
    return meanHeartRate(this.beats, from, to);
  }

  sample(t: number, out: OpticalSample): void {
    const o = this.options;
    const rng = this.#rng;
    const level = o.irLevel ?? 180;
    out.ambient = o.ambient ?? 50;
    while (t >= this.#beatStart + this.#beatLength) this.#nextBeat(); // the heart beats on, seen or not
    if (o.noFinger) {
      // Light leaking through the cover glass and a little room light flicker, no pulse.
      const leak = 3 * (1 + 0.05 * Math.sin(2 * Math.PI * 0.7 * t) + 0.01 * rng.gauss());
      out.ir = leak;
      out.red = leak * RED_LEVEL;
      return;
    }
    const resp = Math.sin(2 * Math.PI * ((o.respirationRate ?? 15) / 60) * t + this.#respPhase);
    // The beat's shape spans its whole interval up to ~75 bpm; at slower rates systole keeps its duration
    // and diastole lengthens (the Gaussians' tails carry on past +pi), as in a real heart.
    const shapeLength = Math.min(this.#beatLength, SHAPE_MAX_SECONDS);
    const theta = -Math.PI + (2 * Math.PI * (t - this.#beatStart)) / shapeLength;
    const shape = beatShape(theta);
    const pulse = o.noPulse ? 0 : shape * this.#beatAmplitude * (1 + (o.respirationAmplitude ?? 0.1) * resp);
    let baseline = 0.3 * resp;
    for (const w of this.#wander) baseline += w.a * Math.sin(2 * Math.PI * w.f * t + w.p);
    let motion = 0, dcShift = 0;
    for (const b of this.#bursts) {
      if (t < b.start || t >= b.end) continue;
      const edge = Math.min(1, (t - b.start) / 0.3, (b.end - t) / 0.3);
      const envelope = Math.sin((Math.PI / 2) * edge) ** 2;
      let wave = 0;
      for (let k = 0; k < 3; k++) wave += b.gain[k] * Math.sin(2 * Math.PI * b.freq[k] * t + b.phase[k]);
      motion += wave * envelope * (o.motionAmplitude ?? 6);
      dcShift += envelope * b.dcShift;
    }
    if (o.arm) motion += o.arm.artifact(t);
    let band = 0;
    for (const c of this.#band) band += c.a * Math.sin(2 * Math.PI * c.f * t + c.p);
    const signal = pulse + baseline + motion + band + (o.noise ?? 0.02) * rng.gauss();
    const perfusion = o.perfusion ?? 0.015;
    out.ir = level * (1 + dcShift) * (1 - perfusion * signal);
    out.red = level * RED_LEVEL * (1 + dcShift) * (1 - perfusion * RED_PERFUSION * signal);
  }

  #nextBeat(): void {
    const o = this.options;
    const rng = this.#rng;
    this.#previousLength = this.#beatLength;
    this.#beatStart += this.#beatLength;
    this.beats.push(this.#beatStart);
    const base = 60 / o.heartRate(this.#beatStart);
    this.#beatAmplitude = 1;
    if (this.#compensatory > 0) {
      // The premature beat ejected less blood; the pause that follows makes up the time.
      this.#beatLength = this.#compensatory;
      this.#beatAmplitude = 0.6;
      this.#compensatory = 0;
      return;
    }
    if (rng.next() < (o.ectopicRate ?? 0)) {
      this.#beatLength = 0.65 * base;
      this.#compensatory = 1.35 * base;
      return;
    }
    const irregularity = o.irregularity ?? 0;
    if (irregularity > 0) {
      // No rhythm to speak of: the interval is drawn afresh, and the ventricle ejects less after a short fill.
      this.#beatLength = base * (1 + irregularity * (2 * rng.next() - 1));
      this.#beatAmplitude = Math.min(1.3, Math.max(0.5, this.#previousLength / base));
      return;
    }
    const resp = Math.sin(2 * Math.PI * ((o.respirationRate ?? 15) / 60) * this.#beatStart + this.#respPhase);
    const factor = 1 + (o.rsa ?? 0.03) * resp + (o.variability ?? 0.02) * rng.gauss();
    this.#beatLength = base * Math.min(1.5, Math.max(0.6, factor));
  }
}
