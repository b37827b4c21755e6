// The filtered PPG of the last window (plus 3 s), decimated to ~25 samples/s, for two signal-quality checks
// that beat timing alone cannot make:
// - periodicity: the normalised autocorrelation at the beat period. Beats found in noise or timed by motion
//   give a period the waveform itself does not repeat at. Stretches flagged as motion take no part,
//   outliers are clipped to 3x the median magnitude, and a one-period moving average is removed first.
// - pulse shape (template matching, after Li & Clifford 2012): each beat's pulse, from 0.35 median intervals
//   before its SSF peak to 0.45 after, resampled to SEGMENT points and standardised, against the pulse learnt
//   from earlier good windows (or, before one is known, the mean pulse of the window).
// Decimated sample j (taken at input sample j x decimation) lives at index j % length.

const TRACE_RATE = 25; // samples/s kept
const EXTRA_SECONDS = 3; // kept beyond the window, so the first beats' pulses are whole
const SEGMENT = 20; // points per pulse segment
const SHAPE_MIN = 0.7; // correlation with the reference pulse below which a beat is rejected
const SHAPE_SHARE = 0.5; // share of well-shaped beats at which the shape score reaches 0 (1 halfway to 1)

/** Marks for #checkShapes's `flags`: 0 motion, 1 kept, 2 rejected by shape. */
export const SHAPE_REJECTED = 2;

export class PulseTrace {
  readonly decimation: number;
  #trace: Float32Array;
  #motion: Uint8Array; // 1 where the sample lies in a stretch flagged as motion
  #work: Float32Array; // one window of it, prepared for the autocorrelation
  #detrended: Float32Array;
  #last = -1; // j of the newest sample
  #window: number; // samples per window
  #prepared = 0; // samples prepared for periodicity()
  #template = new Float32Array(SEGMENT);
  #segment = new Float32Array(SEGMENT);
  #templateUsable = false;
  #pulse = new Float32Array(SEGMENT);
  #pulseKnown = false;

  constructor(windowSamples: number, sampleRate: number) {
    this.decimation = Math.max(1, Math.floor(sampleRate / TRACE_RATE));
    this.#window = Math.ceil(windowSamples / this.decimation);
    this.#trace = new Float32Array(this.#window + Math.ceil((EXTRA_SECONDS * sampleRate) / this.decimation));
    this.#motion = new Uint8Array(this.#trace.length);
    this.#work = new Float32Array(this.#window);
    this.#detrended = new Float32Array(this.#window);
  }

  /** Empty it (the learnt pulse stays: same finger, same heart). */
  restart(): void {
    this.#trace.fill(0);
    this.#motion.fill(0);
    this.#last = -1;
  }

  /** A pulse shape has been learnt from good windows. */
  get pulseKnown(): boolean {
    return this.#pulseKnown;
  }

  forgetPulse(): void {
    this.#pulseKnown = false;
  }

  /** Filtered value `y` of input sample `n`; kept when n falls on the decimation grid. */
  push(y: number, n: number, motion: boolean): void {
    if (n % this.decimation !== 0) return;
    const j = n / this.decimation;
    const at = j % this.#trace.length;
    this.#trace[at] = y;
    this.#motion[at] = motion ? 1 : 0;
    this.#last = j;
  }

  /** Flag as motion from input sample `from` up to input sample `now` (an artifact peak is found after the
   *  motion began). */
  flagMotion(from: number, now: number): void {
    const size = this.#trace.length;
    const back = Math.min(size, Math.ceil((now - from) / this.decimation));
    for (let i = 0; i < back; i++) this.#motion[(this.#last - i + size) % size] = 1;
  }

  /** Prepare the last `samples` input samples (at most a window) for periodicity(): motion stretches zeroed,
   *  outliers clipped to 3x the median magnitude, and a moving average one beat `period` (input samples)
   *  long subtracted, so that baseline wander the band-pass let through cannot pass for periodicity at
   *  short lags. */
  prepare(period: number, samples: number): void {
    const n = Math.min(this.#window, Math.ceil(samples / this.decimation));
    this.#prepared = n;
    const size = this.#trace.length;
    const first = this.#last - n + 1 + size; // + size keeps the index positive
    const x = this.#work;
    for (let i = 0; i < n; i++) {
      const v = this.#trace[(first + i) % size];
      x[i] = v < 0 ? -v : v;
    }
    const limit = 3 * select(x, n, n >> 1);
    for (let i = 0; i < n; i++) {
      const k = (first + i) % size;
      const v = this.#motion[k] ? 0 : this.#trace[k]; // motion stretches take no part
      x[i] = v > limit ? limit : v < -limit ? -limit : v;
    }
    // Centred moving average over `half` samples each side, into #detrended, then subtracted in place.
    const half = Math.max(1, Math.round(period / this.decimation / 2));
    const d = this.#detrended;
    let sum = 0;
    let lo = 0;
    let hi = -1;
    for (let i = 0; i < n; i++) {
      const want = Math.min(n - 1, i + half);
      while (hi < want) sum += x[++hi];
      const from = Math.max(0, i - half);
      while (lo < from) sum -= x[lo++];
      d[i] = x[i] - sum / (hi - lo + 1);
    }
    x.set(d.subarray(0, n));
  }

  /** Normalised autocorrelation of the prepared window at `lag` input samples (interpolated). */
  periodicity(lag: number): number {
    const n = this.#prepared;
    const decimated = lag / this.decimation;
    const k = Math.floor(decimated);
    if (k < 1 || k + 1 >= n) return 0;
    const f = decimated - k;
    return (1 - f) * autocorrelation(this.#work, n, k) + f * autocorrelation(this.#work, n, k + 1);
  }

  /** Template matching for the beats at[0..count) whose flags are 1; those that do not fit are flagged
   *  SHAPE_REJECTED. A window whose mean pulse is not the learnt one (motion with a rhythm of its own) scores
   *  0. Returns 0..1 from the share of beats that fit. */
  checkShapes(at: Float64Array, flags: Uint8Array, count: number, medianInterval: number): number {
    const step = (0.8 * medianInterval) / (SEGMENT - 1) / this.decimation;
    const offset = (0.35 * medianInterval) / this.decimation;
    const t = this.#template;
    t.fill(0);
    let used = 0;
    for (let i = 0; i < count; i++) {
      if (flags[i] !== 1 || !this.#load(at[i] / this.decimation - offset, step)) continue;
      for (let k = 0; k < SEGMENT; k++) t[k] += this.#segment[k];
      used++;
    }
    this.#templateUsable = used >= 3 && standardise(t);
    if (!this.#templateUsable) return 1; // too few to judge
    const reference = this.#pulseKnown ? this.#pulse : t;
    if (this.#pulseKnown && correlate(t, this.#pulse) < SHAPE_MIN) return 0;
    let checked = 0;
    let fit = 0;
    for (let i = 0; i < count; i++) {
      if (flags[i] !== 1 || !this.#load(at[i] / this.decimation - offset, step)) continue;
      checked++;
      if (correlate(this.#segment, reference) >= SHAPE_MIN) fit++;
      else flags[i] = SHAPE_REJECTED;
    }
    const share = fit / checked;
    return Math.min(1, Math.max(0, ((share - SHAPE_SHARE) / (1 - SHAPE_SHARE)) * 2));
  }

  /** Learn the pulse from the window last checked (call for windows judged good). */
  learnPulse(): void {
    if (!this.#templateUsable) return;
    const p = this.#pulse;
    if (!this.#pulseKnown) p.set(this.#template);
    else for (let k = 0; k < SEGMENT; k++) p[k] = 0.8 * p[k] + 0.2 * this.#template[k];
    this.#pulseKnown = standardise(p);
  }

  /** SEGMENT values from decimated position `from` in steps of `step` (linear interpolation), standardised,
   *  into #segment; false when they are not all in the ring or are flat. */
  #load(from: number, step: number): boolean {
    const size = this.#trace.length;
    const last = from + step * (SEGMENT - 1);
    if (from <= this.#last - size + 1 || Math.ceil(last) > this.#last) return false;
    const x = this.#segment;
    for (let k = 0; k < SEGMENT; k++) {
      const position = from + step * k;
      const j = Math.floor(position);
      const f = position - j;
      x[k] = (1 - f) * this.#trace[j % size] + f * this.#trace[(j + 1) % size];
    }
    return standardise(x);
  }
}

function autocorrelation(x: Float32Array, n: number, lag: number): number {
  let xy = 0, xx = 0, yy = 0;
  for (let i = 0; i + lag < n; i++) {
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
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return x[k];
}

/** Make x zero-mean with sum of squares = length; false when it is flat. */
function standardise(x: Float32Array): boolean {
  const n = x.length;
  let mean = 0;
  for (let k = 0; k < n; k++) mean += x[k];
  mean /= n;
  let energy = 0;
  for (let k = 0; k < n; k++) {
    x[k] -= mean;
    energy += x[k] * x[k];
  }
  if (!(energy > 0)) return false;
  const scale = Math.sqrt(n / energy);
  for (let k = 0; k < n; k++) x[k] *= scale;
  return true;
}

/** Pearson correlation of two standardised vectors. */
function correlate(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k] * b[k];
  return sum / a.length;
}
