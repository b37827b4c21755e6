// Streaming heart-rate estimator for raw PPG counts (e.g. MAX30102 IR), one sample at a time.
//
// Per sample (fixed cost, no allocation): DC tracking for finger detection; band-pass 0.5..5 Hz (30..300
// beats/min) of the inverted signal (counts fall as blood volume rises); the slope sum function (sum of the
// positive slopes over ~120 ms) that peaks once per systolic upstroke, fed to the BeatDetector; the filtered
// signal, decimated, into the PulseTrace for the quality checks.
// Per window (every `stepSeconds`, over the last `windowSeconds`, 8 s / 2 s as in the IEEE SPC 2015 scoring):
// a rate and a confidence from the window's beats (window-analysis.ts). A reading is valid only with a finger
// present over the whole window, no gap in it, confidence >= 0.5 and bpm inside 25..250 (physiological-limits.ts).
// Invalid readings carry NaN, never a stale or guessed number. A finger on the sensor and no valid reading
// four times running makes the detector learn the pulse level and shape again.
// With an accelerometer (pushMotion), beats and trace are flagged as motion while the wrist moves in the
// pulse band (motion.ts), so windows made mostly of motion carry no reading; without one the estimator
// relies on the PPG alone.
//
// Memory (firmware/sensors/README.md, "Memory"): every number lives in one StateBuffer; the parts hold views
// of it, and the only other objects are the parts themselves and the reading. The parts' helpers are
// TypeScript `private` methods, not `#` ones: XS gives every instance a slot for each `#` method.
import { ARTIFACT_UNTIL, BeatDetector, DETECTOR_SCRATCH, Detection } from "./beat-detector.js";
import { biquadReset, cascadeStep, designBiquad, FIRST_SECTION, SECOND_SECTION } from "./biquad.js";
import { MOTION_SIZE, startMotion, stepMotion } from "./motion.js";
import { DECIMATION, PulseTrace, TRACE_END } from "./pulse-trace.js";
import { offsets, StateBuffer } from "./state-buffer.js";
import { WindowAnalysis } from "./window-analysis.js";

export interface HeartRateOptions {
  /** Samples per second given to push(): the sensor's FIFO rate (e.g. Max30102.outputRate). */
  sampleRate: number;
  /** Analysis window, seconds (default 8). */
  windowSeconds?: number;
  /** A reading every this many seconds (default 2). */
  stepSeconds?: number;
  /** Raw counts below which no finger covers the sensor (default 25000 of 2^18, IR at ~7 mA, 4096 nA). */
  fingerThreshold?: number;
  /** Samples per second given to pushMotion(), when an accelerometer is used (default 25). */
  motionRate?: number;
}

interface HeartRateReading {
  /** Beats per minute; NaN when not valid. */
  bpm: number;
  /** 0..1. */
  confidence: number;
  /** A finger (something reflecting enough light) covers the sensor now. */
  fingerPresent: boolean;
  /** bpm can be reported. */
  valid: boolean;
  /** Samples consumed when the reading was made (including samples lost in gaps): its timestamp. */
  at: number;
}

const WATCHDOG_WINDOWS = 4; // invalid readings in a row (finger on) before the detector relearns
const MOTION_LOOKBACK = 1; // s of PPG before a moving accelerometer sample flagged with it (its ~0.5 s average lags)
const SLOPE_SECONDS = 0.12; // the slope sum function's span

// Its own scalars in the shared Float64Array (#s), after the pulse trace's (state-buffer.ts); the band-pass
// filter's are at the start.
const [
  N, // samples consumed, gaps included: the time
  STARTED, // where the continuous stretch began (-1: to start at the next sample)
  NO_FINGER_AT, // the latest sample without a finger (-1: none)
  INVALID_RUN, // invalid readings in a row with a finger on the sensor
  WINDOW, // samples in a window
  STEP, // samples between readings
  FINGER_THRESHOLD, // raw counts
  ORIGIN, // the stretch's first raw value, subtracted before filtering
  DC, // the raw signal's mean (~1 s), for finger detection
  DC_ALPHA, // its one-pole coefficient
  SSF, // the slope sum
  PREVIOUS, // the previous filtered value
  SLOPE_AT, // the slope ring's next place in #f,
  SLOPE_END, // its end
  LOOKBACK, // samples before a moving accelerometer sample flagged with it
  SLOPE_RING, // the slope ring's start in #f
  SAMPLE_RATE,
  NEXT_WINDOW, // the sample count at which the next reading is due
  MOTION, // the motion tracker's MOTION_SIZE scalars (motion.ts), the last
] = offsets(TRACE_END);
/** Scalars the estimator keeps, its parts' included: the length of its Float64Array. */
export const SCALARS = MOTION + MOTION_SIZE;

export class HeartRateEstimator {
  /** The latest reading; the same object is renewed every step. */
  readonly reading: HeartRateReading = { bpm: Number.NaN, confidence: 0, fingerPresent: false, valid: false, at: 0 };
  readonly #s: Float64Array;
  readonly #f: Float32Array; // (shared) from SLOPE_RING: the positive slopes of the last SLOPE_SECONDS, a ring
  readonly #beats: BeatDetector;
  readonly #trace: PulseTrace;
  readonly #analysis: WindowAnalysis;

  constructor(options: HeartRateOptions) {
    const fs = options.sampleRate;
    if (!(fs >= 10 && fs <= 1000)) throw new RangeError(`sample rate ${fs}`);
    const windowSeconds = options.windowSeconds ?? 8;
    const stepSeconds = options.stepSeconds ?? 2;
    if (!(windowSeconds >= 5 && windowSeconds <= 60)) throw new RangeError(`window ${windowSeconds} s (5..60)`);
    if (!(stepSeconds > 0 && stepSeconds <= windowSeconds)) throw new RangeError(`step ${stepSeconds} s`);
    const window = Math.round(windowSeconds * fs);
    const slopes = Math.max(2, Math.round(SLOPE_SECONDS * fs));
    const capacity = BeatDetector.capacity(windowSeconds);
    const scratch = Math.max(DETECTOR_SCRATCH, WindowAnalysis.floats(capacity, PulseTrace.windowSamples(window, fs)));
    const memory = new StateBuffer(SCALARS, scratch, BeatDetector.floats(capacity) + PulseTrace.floats(window, fs) + slopes);
    const s = (this.#s = memory.scalars);
    this.#f = memory.floats;
    this.#beats = new BeatDetector(memory, fs, capacity);
    this.#trace = new PulseTrace(memory, window, fs);
    this.#analysis = new WindowAnalysis(memory.floats, capacity);
    s[SLOPE_RING] = memory.reserve(slopes);
    s[SLOPE_END] = s[SLOPE_RING] + slopes;
    s[SAMPLE_RATE] = fs;
    s[WINDOW] = window;
    s[NEXT_WINDOW] = window;
    s[STEP] = Math.max(1, Math.round(stepSeconds * fs));
    s[FINGER_THRESHOLD] = options.fingerThreshold ?? 25000;
    s[DC_ALPHA] = 1 / fs; // ~1 s time constant
    s[LOOKBACK] = Math.round(MOTION_LOOKBACK * fs);
    s[STARTED] = -1;
    s[NO_FINGER_AT] = -1;
    designBiquad(s, FIRST_SECTION, 0.5, fs, true); // high-pass
    designBiquad(s, SECOND_SECTION, Math.min(5, fs / 4), fs, false); // low-pass
    startMotion(s, MOTION, options.motionRate ?? 25);
  }

  /** Samples per second given to push(). */
  get sampleRate(): number {
    return this.#s[SAMPLE_RATE];
  }

  /** One accelerometer sample, g, at `motionRate` per second, before the PPG samples of the same period: while
   *  the wrist moves, beats are flagged as motion (as the detector flags artifact peaks) and windows made
   *  mostly of motion carry no reading. Without calls here the estimator relies on the PPG alone. */
  pushMotion(x: number, y: number, z: number): void {
    const s = this.#s;
    if (!stepMotion(s, MOTION, x, y, z)) return;
    const n = s[N];
    this.#beats.flagMotion(n - s[LOOKBACK], n + this.#beats.motionMargin);
    this.#trace.flagMotion(n - s[LOOKBACK], n);
  }

  /** One raw sample. Returns true when `reading` has just been renewed. */
  push(counts: number): boolean {
    // Scalars are read into locals once: on XS a typed-array access costs several times a local's.
    const s = this.#s;
    const n = s[N];
    s[N] = n + 1;
    if (s[STARTED] < 0) this.restart(counts, n);
    const dc = s[DC] + s[DC_ALPHA] * (counts - s[DC]);
    s[DC] = dc;
    const finger = dc >= s[FINGER_THRESHOLD];
    const noFingerAt = s[NO_FINGER_AT];
    if (!finger) {
      if (noFingerAt !== n - 1) this.restart(counts, n); // finger removed: start again when it returns
      s[NO_FINGER_AT] = n;
    } else if (n > 0 && noFingerAt === n - 1) {
      this.restart(counts, n); // finger placed: the step would look like a huge beat
    }
    const y = cascadeStep(s, s[ORIGIN] - counts);
    if (n % s[DECIMATION] === 0) this.#trace.push(y, n, n <= s[ARTIFACT_UNTIL]);
    const slope = y - s[PREVIOUS];
    s[PREVIOUS] = y;
    const positive = slope > 0 ? slope : 0;
    const f = this.#f;
    const at = s[SLOPE_AT];
    const ssf = s[SSF] + positive - f[at];
    s[SSF] = ssf;
    f[at] = positive;
    s[SLOPE_AT] = at + 1 === s[SLOPE_END] ? s[SLOPE_RING] : at + 1;
    const beats = this.#beats;
    if (beats.step(ssf, n) === Detection.Artifact) {
      this.#trace.flagMotion(beats.time(beats.index(0)) - beats.motionMargin, n + 1);
    }
    if (n + 1 < s[NEXT_WINDOW]) return false;
    s[NEXT_WINDOW] += s[STEP];
    this.evaluate(finger);
    this.watchdog(finger && !this.reading.valid && s[STARTED] <= n + 1 - s[WINDOW]);
    return true;
  }

  /** `lost` samples are missing (FIFO overflow, failed read): the stream starts again after them, and no
   *  reading is valid until a whole window has passed without a gap. The current reading is withdrawn at
   *  once: while the sensor cannot be read it must not go on looking fresh. */
  markGap(lost: number): void {
    const s = this.#s;
    s[N] += Math.max(0, lost);
    s[STARTED] = -1;
    this.schedule();
    this.withdraw();
  }

  /** Forget everything (e.g. after reconfiguring the sensor or for another wearer). */
  reset(): void {
    const s = this.#s;
    s[N] = 0;
    s[NO_FINGER_AT] = -1;
    s[STARTED] = -1;
    s[INVALID_RUN] = 0;
    this.schedule();
    this.#trace.forgetPulse();
    this.withdraw();
    this.reading.fingerPresent = false;
    this.reading.at = 0;
  }

  /** The next reading is due when the sample count reaches NEXT_WINDOW: a whole window, then every step,
   *  counted from sample 0 (gaps included). */
  private schedule(): void {
    const s = this.#s;
    const late = s[N] + 1 - s[WINDOW];
    s[NEXT_WINDOW] = s[WINDOW] + (late > 0 ? Math.ceil(late / s[STEP]) * s[STEP] : 0);
  }

  private withdraw(): void {
    const r = this.reading;
    r.bpm = Number.NaN;
    r.confidence = 0;
    r.valid = false;
  }

  /** Start a continuous stretch at sample `n` with raw value `counts`. */
  private restart(counts: number, n: number): void {
    const s = this.#s;
    s[STARTED] = n;
    s[ORIGIN] = counts;
    s[DC] = counts;
    biquadReset(s, FIRST_SECTION);
    biquadReset(s, SECOND_SECTION);
    this.#f.fill(0, s[SLOPE_RING], s[SLOPE_END]);
    s[SLOPE_AT] = s[SLOPE_RING];
    s[SSF] = 0;
    s[PREVIOUS] = 0;
    this.#beats.restart(n);
    this.#trace.restart();
  }

  /** A finger on the sensor and still no valid reading window after window: the detector may be locked on
   *  the wrong level or shape (e.g. after motion). Learn both again, keeping the filters running. */
  private watchdog(stuck: boolean): void {
    const s = this.#s;
    s[INVALID_RUN] = stuck ? s[INVALID_RUN] + 1 : 0;
    if (s[INVALID_RUN] < WATCHDOG_WINDOWS) return;
    s[INVALID_RUN] = 0;
    this.#beats.relearn(s[N]);
    this.#trace.forgetPulse();
  }

  private evaluate(finger: boolean): void {
    const s = this.#s;
    const r = this.reading;
    const end = s[N];
    r.at = end;
    r.fingerPresent = finger;
    // The window counts from the start of the stretch with a finger on the sensor.
    const since = Math.max(s[STARTED], s[NO_FINGER_AT] + 1);
    this.#analysis.evaluate(r, this.#beats, this.#trace, end - s[WINDOW], end, since, this.sampleRate);
  }
}
