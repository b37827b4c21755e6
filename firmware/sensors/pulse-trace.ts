// The filtered PPG of the last window (plus 1 s), decimated to ~25 samples/s, for two signal-quality checks
// that beat timing alone cannot make:
// - periodicity: the normalised autocorrelation at the beat period. Beats found in noise or timed by motion
//   give a period the waveform itself does not repeat at. Stretches flagged as motion take no part,
//   outliers are clipped to 3x the median magnitude, and a one-period moving average is removed first.
// - pulse shape (template matching, after Li & Clifford 2012): each beat's pulse, from 0.35 median intervals
//   before its SSF peak to 0.45 after, resampled to SEGMENT points and standardised, against the pulse learnt
//   from earlier good windows (or, before one is known, the mean pulse of the window).
// Decimated sample j (taken at input sample j x decimation) lives at index j % length; a sample flagged as
// motion holds NaN. Memory: scalars and arrays in the estimator's StateBuffer; the autocorrelation works in
// the caller's scratch, `windowSamples()` long.
import { DETECTOR_END } from "./beat-detector.js";
import { offsets, type StateBuffer } from "./state-buffer.js";

const TRACE_RATE = 25; // samples/s kept
const EXTRA_SECONDS = 1; // kept beyond the window, so the first beats' pulses are whole (even at 25 bpm)
const SEGMENT = 20; // points per pulse segment
const SHAPE_MIN = 0.7; // correlation with the reference pulse below which a beat is rejected
const SHAPE_SHARE = 0.5; // share of well-shaped beats at which the shape score reaches 0 (1 halfway to 1)

/** Marks for checkShapes's `flags`: 0 motion, 1 kept, 2 rejected by shape. */
const SHAPE_REJECTED = 2;
/** What load() found. */
const LOADED = 0, CROSSES_MOTION = 1, UNUSABLE = 2;

// Its scalars in the estimator's shared Float64Array (#s), after the beat detector's (state-buffer.ts).
const [
  DECIMATION, // input samples per trace sample (the estimator reads it every sample)
  WINDOW, // trace samples in a window
  SIZE, // trace samples in the ring
  LAST, // the latest trace sample's number (its index is LAST % SIZE; -1: none yet)
  PREPARED, // trace samples prepare() left in the work
  TEMPLATE_USABLE, // 1 when the window last checked had a mean pulse to learn from
  PULSE_KNOWN, // 1 when a pulse shape has been learnt
  F, // where its arrays start in #f
  LIKENESS, // mean correlation of the pulses last checked with the reference
  TRACE_END, // where the next part's scalars start
] = offsets(DETECTOR_END);
export { DECIMATION, TRACE_END };
// Arrays, from F in #f: the window's mean pulse, one beat's pulse, the learnt pulse, then the trace ring.
const TEMPLATE = 0, SEG = SEGMENT, PULSE = 2 * SEGMENT, TRACE = 3 * SEGMENT;

export class PulseTrace {
  readonly #s: Float64Array;
  readonly #f: Float32Array;

  /** Trace samples in a window of `windowSamples` at `sampleRate`: the scratch prepare() needs. */
  static windowSamples(windowSamples: number, sampleRate: number): number {
    return Math.ceil(windowSamples / decimationFor(sampleRate));
  }

  /** Floats it takes from a StateBuffer (on top of its scalars) for a window of `windowSamples` at
   *  `sampleRate`. */
  static floats(windowSamples: number, sampleRate: number): number {
    const extra = Math.ceil((EXTRA_SECONDS * sampleRate) / decimationFor(sampleRate));
    return TRACE + PulseTrace.windowSamples(windowSamples, sampleRate) + extra;
  }

  constructor(memory: StateBuffer, windowSamples: number, sampleRate: number) {
    const floats = PulseTrace.floats(windowSamples, sampleRate);
    const s = (this.#s = memory.scalars);
    this.#f = memory.floats;
    s.fill(0, DECIMATION, TRACE_END);
    s[F] = memory.reserve(floats);
    s[DECIMATION] = decimationFor(sampleRate);
    s[WINDOW] = PulseTrace.windowSamples(windowSamples, sampleRate);
    s[SIZE] = floats - TRACE;
    s[LAST] = -1;
  }

  /** Mean correlation of the pulses last checked with the reference (0 when too few to judge). */
  get likeness(): number {
    return this.#s[LIKENESS];
  }

  /** A pulse shape has been learnt from good windows. */
  get pulseKnown(): boolean {
    return this.#s[PULSE_KNOWN] === 1;
  }

  /** Empty it (the learnt pulse stays: same finger, same heart). */
  restart(): void {
    const ring = this.#s[F] + TRACE;
    this.#f.fill(0, ring, ring + this.#s[SIZE]);
    this.#s[LAST] = -1;
  }

  forgetPulse(): void {
    this.#s[PULSE_KNOWN] = 0;
  }

  /** Filtered value `y` of input sample `n`, which falls on the decimation grid (n % decimation === 0, the
   *  caller checks: a call per input sample would cost more than the rest of the sample's work here). */
  push(y: number, n: number, motion: boolean): void {
    const s = this.#s;
    const j = n / s[DECIMATION];
    this.#f[s[F] + TRACE + (j % s[SIZE])] = motion ? Number.NaN : y;
    s[LAST] = j;
  }

  /** Flag as motion from input sample `from` up to input sample `now` (an artifact peak is found after the
   *  motion began). */
  flagMotion(from: number, now: number): void {
    const s = this.#s;
    const size = s[SIZE];
    const back = Math.min(size, Math.ceil((now - from) / s[DECIMATION]));
    const ring = s[F] + TRACE;
    for (let i = 0; i < back; i++) this.#f[ring + ((s[LAST] - i + size) % size)] = Number.NaN;
  }

  /** Prepare the last `samples` input samples (at most a window) for periodicity(): motion stretches zeroed,
   *  outliers clipped to 3x the median magnitude, and a moving average one beat `period` (input samples)
   *  long subtracted, so that baseline wander the band-pass let through cannot pass for periodicity at
   *  short lags. The result goes to work[0..windowSamples()). */
  prepare(period: number, samples: number, work: Float32Array): void {
    const s = this.#s;
    const f = this.#f;
    const size = s[SIZE];
    const ring = s[F] + TRACE;
    const n = Math.min(s[WINDOW], Math.ceil(samples / s[DECIMATION]));
    s[PREPARED] = n;
    const first = s[LAST] - n + 1 + size; // + size keeps the index positive
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const v = f[ring + ((first + i) % size)];
      if (v === v) work[kept++] = v < 0 ? -v : v; // NaN (motion) left out
    }
    const limit = kept > 0 ? 3 * select(work, kept, kept >> 1) : 0;
    // Centred moving average over `half` samples each side, of the trace itself (clipped, motion as 0: the work
    // holds the result, so no second copy of the window is kept), subtracted into the work.
    const half = Math.max(1, Math.round(period / s[DECIMATION] / 2));
    let sum = 0;
    let lo = 0;
    let hi = -1;
    for (let i = 0; i < n; i++) {
      const want = i + half < n - 1 ? i + half : n - 1;
      while (hi < want) {
        const v = f[ring + ((first + ++hi) % size)];
        sum += v > limit ? limit : v < -limit ? -limit : v === v ? v : 0;
      }
      const from = i > half ? i - half : 0;
      while (lo < from) {
        const v = f[ring + ((first + lo++) % size)];
        sum -= v > limit ? limit : v < -limit ? -limit : v === v ? v : 0;
      }
      const v = f[ring + ((first + i) % size)];
      work[i] = (v > limit ? limit : v < -limit ? -limit : v === v ? v : 0) - sum / (hi - lo + 1);
    }
  }

  /** Normalised autocorrelation of the window prepared in `work` at `lag` input samples (interpolated). */
  periodicity(lag: number, work: Float32Array): number {
    const s = this.#s;
    const n = s[PREPARED];
    const decimated = lag / s[DECIMATION];
    const k = Math.floor(decimated);
    if (k < 1 || k + 1 >= n) return 0;
    const f = decimated - k;
    return (1 - f) * autocorrelation(work, n, k) + f * autocorrelation(work, n, k + 1);
  }

  /** Template matching for the window's beats i < count whose flag (window[flags + i]) is 1, at input
   *  samples origin + window[times + i]; those that do not fit are flagged SHAPE_REJECTED. A window whose
   *  mean pulse is not the learnt one (motion with a rhythm of its own) scores 0. Returns 0..1 from the share
   *  of beats that fit. */
  checkShapes(window: Float32Array, times: number, flags: number, count: number, origin: number, medianInterval: number): number {
    const s = this.#s;
    const f = this.#f;
    const decimation = s[DECIMATION];
    const step = (0.8 * medianInterval) / (SEGMENT - 1) / decimation;
    const offset = (0.35 * medianInterval) / decimation;
    const template = s[F] + TEMPLATE, segment = s[F] + SEG;
    f.fill(0, template, template + SEGMENT);
    let used = 0;
    for (let i = 0; i < count; i++) {
      if (window[flags + i] !== 1 || this.load((origin + window[times + i]) / decimation - offset, step) !== LOADED) continue;
      for (let k = 0; k < SEGMENT; k++) f[template + k] += f[segment + k];
      used++;
    }
    const usable = used >= 3 && standardise(f, template);
    s[TEMPLATE_USABLE] = usable ? 1 : 0;
    s[LIKENESS] = 0;
    if (!usable) return 1; // too few to judge
    const known = s[PULSE_KNOWN] === 1;
    const reference = known ? s[F] + PULSE : template;
    if (known && correlate(f, template, reference) < SHAPE_MIN) return 0;
    let checked = 0;
    let fit = 0;
    let likeness = 0;
    for (let i = 0; i < count; i++) {
      if (window[flags + i] !== 1) continue;
      const loaded = this.load((origin + window[times + i]) / decimation - offset, step);
      if (loaded === UNUSABLE) continue;
      checked++;
      // A pulse that runs into motion is not a clean pulse.
      const r = loaded === LOADED ? correlate(f, segment, reference) : 0;
      likeness += r;
      if (r >= SHAPE_MIN) fit++;
      else window[flags + i] = SHAPE_REJECTED;
    }
    s[LIKENESS] = likeness / checked;
    const share = fit / checked;
    return Math.min(1, Math.max(0, ((share - SHAPE_SHARE) / (1 - SHAPE_SHARE)) * 2));
  }

  /** Learn the pulse from the window last checked (call for windows judged good). */
  learnPulse(): void {
    const s = this.#s;
    const f = this.#f;
    if (!s[TEMPLATE_USABLE]) return;
    const pulse = s[F] + PULSE, template = s[F] + TEMPLATE;
    if (s[PULSE_KNOWN] !== 1) f.copyWithin(pulse, template, template + SEGMENT);
    else for (let k = 0; k < SEGMENT; k++) f[pulse + k] = 0.8 * f[pulse + k] + 0.2 * f[template + k];
    s[PULSE_KNOWN] = standardise(f, pulse) ? 1 : 0;
  }

  /** SEGMENT values from decimated position `from` in steps of `step` (linear interpolation), standardised,
   *  into the segment: LOADED, CROSSES_MOTION, or UNUSABLE when they are not all in the ring or are flat. */
  private load(from: number, step: number): number {
    const s = this.#s;
    const f = this.#f;
    const size = s[SIZE];
    const ring = s[F] + TRACE, segment = s[F] + SEG;
    const last = from + step * (SEGMENT - 1);
    if (from <= s[LAST] - size + 1 || Math.ceil(last) > s[LAST]) return UNUSABLE;
    for (let k = 0; k < SEGMENT; k++) {
      const position = from + step * k;
      const j = Math.floor(position);
      const w = position - j;
      const at = j % size;
      const v = (1 - w) * f[ring + at] + w * f[ring + (at + 1 === size ? 0 : at + 1)];
      if (v !== v) return CROSSES_MOTION;
      f[segment + k] = v;
    }
    return standardise(f, segment) ? LOADED : UNUSABLE;
  }
}

function decimationFor(sampleRate: number): number {
  return Math.max(1, Math.floor(sampleRate / TRACE_RATE));
}

function autocorrelation(x: Float32Array, n: number, lag: number): number {
  let xy = 0, xx = 0, yy = 0;
  const end = n - lag;
  for (let i = 0; i < end; i++) {
    const a = x[i], b = x[i + lag];
    xy += a * b;
    xx += a * a;
    yy += b * b;
  }
  return xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
}

/** The k-th smallest of x[0..n) (quickselect, reorders them). */
function select(x: Float32Array, n: number, k: number): number {
  let lo = 0, hi = n - 1;
  const target = k;
  while (lo < hi) {
    const pivot = x[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (x[i] < pivot) i++;
      while (x[j] > pivot) j--;
      if (i <= j) {
        const t = x[i];
        x[i] = x[j];
        x[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return x[target];
}

/** Make x[at..at + SEGMENT) zero-mean with sum of squares = SEGMENT; false when it is flat. */
function standardise(x: Float32Array, at: number): boolean {
  const end = at + SEGMENT;
  let sum = 0, squares = 0;
  for (let k = at; k < end; k++) {
    const v = x[k];
    sum += v;
    squares += v * v;
  }
  const mean = sum / SEGMENT;
  const energy = squares - sum * mean;
  // Flat (energy at rounding level) or not a number: nothing to standardise.
  if (!(energy > 1e-9 * squares)) return false;
  const scale = Math.sqrt(SEGMENT / energy);
  for (let k = at; k < end; k++) x[k] = (x[k] - mean) * scale;
  return true;
}

/** Pearson correlation of two standardised segments of x. */
function correlate(x: Float32Array, a: number, b: number): number {
  let sum = 0;
  for (let k = 0; k < SEGMENT; k++) sum += x[a + k] * x[b + k];
  return sum / SEGMENT;
}
