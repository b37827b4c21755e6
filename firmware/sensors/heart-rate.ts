// Streaming heart-rate estimator for raw PPG counts (e.g. MAX30102 IR), one sample at a time.
//
// Per sample (fixed cost, no allocation): DC tracking for finger detection; band-pass 0.5..5 Hz (30..300
// beats/min) of the inverted signal (counts fall as blood volume rises); the slope sum function (sum of the
// positive slopes over ~120 ms, after Zong et al. 2003) that peaks once per systolic upstroke; beat detection
// with an adaptive threshold (half the median of recent beat peaks) and a refractory time. A peak far above
// the recent ones is an artifact (motion): the beat is flagged and so is the stretch around it.
//
// Per window (every `stepSeconds`, over the last `windowSeconds`, 8 s / 2 s as in the IEEE SPC 2015 scoring):
// the intervals between clean consecutive beats, relative to their median. Intervals shorter than 0.62 x the
// median are merged with the next one (a spurious extra peak); a group up to 1.55 x counts as one interval
// (so a premature beat and its compensatory pause count as the two intervals they are), a longer one as k
// missed-beat intervals when within 20 % of k medians, otherwise it is dropped. bpm = 60 x intervals counted /
// time they span: the mean rate over the window, as an ECG reference computes it.
// Confidence = coverage of the window by counted intervals x regularity x share of time counted x
// periodicity, the autocorrelation of the filtered signal at the beat period: beats found in noise or timed
// by motion give a period the waveform itself does not repeat at. A reading is valid only with a finger
// present over the whole window, no gap in it, confidence >= 0.5 and bpm inside 25..250 (design.md
// section 6). Invalid readings carry NaN, never a stale or guessed number.
import { Biquad } from "./biquad.js";
import { HEART_RATE_MAX_BPM, HEART_RATE_MIN_BPM } from "./plausibility.js";

export interface HeartRateOptions {
  /** Samples per second given to push(): the sensor's FIFO rate (e.g. Max30102.outputRate). */
  sampleRate: number;
  /** Analysis window, seconds (default 8). */
  windowSeconds?: number;
  /** A reading every this many seconds (default 2). */
  stepSeconds?: number;
  /** Raw counts below which no finger covers the sensor (default 25000 of 2^18, IR at ~7 mA, 4096 nA). */
  fingerThreshold?: number;
}

export interface HeartRateReading {
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

const BEATS = 64; // ring capacity; 8 s at 250 bpm is 34 beats
const REFS = 5; // recent beat peaks the threshold follows
const LOWER = 0.62; // shorter than this x median interval: merged with the next one
const UPPER = 1.5; // beyond this x median interval, a beat does not teach the threshold
const UPPER_SINGLE = 1.55; // up to this x median interval, a group is one beat-to-beat interval
const MISSED_FIT = 0.2; // a longer group spans k >= 2 intervals when within k x (1 +- MISSED_FIT) medians
const MAX_SPANS = 3; // more missed beats than this in a row: not a gap in detection but in the signal
const ARTIFACT_RATIO = 3; // a peak this many times the recent ones is not a beat
const RELEARN_AFTER = 8; // consecutive artifact peaks (over RELEARN_SECONDS at least) after which their
const RELEARN_SECONDS = 6; // level becomes the new normal: a lasting change, not a burst of motion
const TRACE_RATE = 25; // samples/s kept of the filtered signal for the periodicity check
const MIN_PERIODICITY = 0.15; // autocorrelation the beat period must show in the filtered signal
const IRREGULAR = 0.2; // mean relative deviation from the median interval tolerated before confidence drops
const MIN_CONFIDENCE = 0.5;
const HARMONIC_RATIO = 0.8; // autocorrelation at a fraction of the period this close to it: a subharmonic
const PEAK_SPREAD = 0.25; // mean relative deviation of beat peak sizes tolerated before confidence drops
const SEGMENT = 20; // points per pulse-shape segment
const SHAPE_MIN = 0.7; // correlation with the reference pulse below which a beat is dropped
const SHAPE_SHARE = 0.5; // share of well-shaped beats at which confidence reaches 0 (full halfway to 1)
const LEARN_CONFIDENCE = 0.8; // windows this good teach the pulse shape
const WATCHDOG_WINDOWS = 4; // invalid readings in a row (finger on) before the detector relearns

export class HeartRateEstimator {
  readonly sampleRate: number;
  readonly reading: HeartRateReading = { bpm: Number.NaN, confidence: 0, fingerPresent: false, valid: false, at: 0 };
  #window: number;
  #step: number;
  #fingerThreshold: number;
  #hp: Biquad;
  #lp: Biquad;
  // Slope sum function: running sum over a ring of positive slopes.
  #slopes: Float32Array;
  #slopeAt = 0;
  #ssf = 0;
  #previous = 0;
  #origin = 0;
  #dc = 0;
  #dcAlpha: number;
  // Time, in samples.
  #n = 0;
  #started = -1; // sample at which the current continuous stretch began
  #noFingerAt = -1; // last sample without a finger
  #artifactUntil = -1;
  // Beat detection.
  #learnUntil = 0;
  #learnMax = 0;
  #threshold = 0;
  #refractory: number;
  #inPeak = false;
  #peakValue = 0;
  #peakAt = 0;
  #lastBeat = -1;
  #refs = new Float32Array(REFS);
  #refCount = 0;
  #refAt = 0;
  #artifactRun = new Float32Array(RELEARN_AFTER);
  #artifactCount = 0;
  #artifactRunStart = 0;
  // The filtered signal over the window, decimated to ~TRACE_RATE: a ring, and a scratch copy.
  // Decimated sample j (taken at sample j x decimation) lives at index j % length; the ring reaches a few
  // seconds further back than the window so the first beats' shapes can be checked too.
  #trace: Float32Array;
  #traceArtifact: Uint8Array; // 1 where the trace sample lies in a stretch flagged as motion
  #traceWork: Float32Array; // scratch for one window of it
  #traceLast = -1; // j of the newest trace sample
  #traceWindow: number; // trace samples per window
  // Pulse-shape check: the window's beats, their template and one segment.
  #winAt = new Float64Array(BEATS);
  #winClean = new Uint8Array(BEATS);
  #template = new Float32Array(SEGMENT);
  #segment = new Float32Array(SEGMENT);
  #templateUsable = false;
  #pulse = new Float32Array(SEGMENT); // the pulse shape learnt from good windows
  #pulseKnown = false;
  #decimation: number;
  #scratch = new Float64Array(BEATS);
  #sorted = new Float64Array(BEATS);
  // Beat ring.
  #beatAt = new Float64Array(BEATS);
  #beatClean = new Uint8Array(BEATS);
  #beatPeak = new Float32Array(BEATS);
  #peaks = new Float32Array(BEATS); // scratch: peaks of the window's clean beats
  #invalidRun = 0; // consecutive invalid readings with a finger on the sensor
  #beatCount = 0;
  #beatHead = 0;
  #medianInterval = 0;

  constructor(options: HeartRateOptions) {
    const fs = options.sampleRate;
    if (!(fs >= 10 && fs <= 1000)) throw new RangeError(`sample rate ${fs}`);
    this.sampleRate = fs;
    this.#window = Math.round((options.windowSeconds ?? 8) * fs);
    this.#step = Math.max(1, Math.round((options.stepSeconds ?? 2) * fs));
    this.#fingerThreshold = options.fingerThreshold ?? 25000;
    this.#hp = Biquad.highPass(0.5, fs);
    this.#lp = Biquad.lowPass(Math.min(5, fs / 4), fs);
    this.#slopes = new Float32Array(Math.max(2, Math.round(0.12 * fs)));
    this.#dcAlpha = 1 / fs; // ~1 s time constant
    this.#refractory = Math.round((60 / HEART_RATE_MAX_BPM) * fs);
    this.#decimation = Math.max(1, Math.floor(fs / TRACE_RATE));
    this.#traceWindow = Math.ceil(this.#window / this.#decimation);
    this.#trace = new Float32Array(this.#traceWindow + Math.ceil((3 * fs) / this.#decimation));
    this.#traceWork = new Float32Array(this.#traceWindow);
    this.#traceArtifact = new Uint8Array(this.#trace.length);
    this.#restart(0);
  }

  /** One raw sample. Returns true when `reading` has just been renewed. */
  push(counts: number): boolean {
    const n = this.#n++;
    if (this.#started < 0) this.#restart(counts);
    this.#dc += this.#dcAlpha * (counts - this.#dc);
    const finger = this.#dc >= this.#fingerThreshold;
    if (!finger) {
      if (this.#noFingerAt !== n - 1) this.#restart(counts); // finger removed: start again when it returns
      this.#noFingerAt = n;
    } else if (this.#noFingerAt === n - 1) {
      this.#restart(counts); // finger placed: the step would look like a huge beat
    }
    const y = this.#lp.step(this.#hp.step(this.#origin - counts));
    if (n % this.#decimation === 0) {
      const j = n / this.#decimation;
      const at = j % this.#trace.length;
      this.#trace[at] = y;
      this.#traceArtifact[at] = n <= this.#artifactUntil ? 1 : 0;
      this.#traceLast = j;
    }
    const slope = y - this.#previous;
    this.#previous = y;
    const positive = slope > 0 ? slope : 0;
    this.#ssf += positive - this.#slopes[this.#slopeAt];
    this.#slopes[this.#slopeAt] = positive;
    this.#slopeAt = (this.#slopeAt + 1) % this.#slopes.length;
    this.#detect(this.#ssf, n);
    const done = this.#n;
    if (done >= this.#window && (done - this.#window) % this.#step === 0) {
      this.#evaluate(finger);
      this.#watchdog(finger && !this.reading.valid && this.#started <= done - this.#window);
      return true;
    }
    return false;
  }

  /** `lost` samples are missing (FIFO overflow, failed read): the stream starts again after them, and no
   *  reading is valid until a whole window has passed without a gap. */
  markGap(lost: number): void {
    this.#n += Math.max(0, lost);
    this.#started = -1;
  }

  /** Forget everything (e.g. after reconfiguring the sensor). */
  reset(): void {
    this.#n = 0;
    this.#noFingerAt = -1;
    this.#started = -1;
    const r = this.reading;
    r.bpm = Number.NaN;
    r.confidence = 0;
    r.fingerPresent = false;
    r.valid = false;
    r.at = 0;
  }

  #restart(counts: number): void {
    this.#started = this.#n;
    this.#origin = counts;
    this.#dc = counts;
    this.#hp.reset();
    this.#lp.reset();
    this.#slopes.fill(0);
    this.#ssf = 0;
    this.#previous = 0;
    this.#learnUntil = this.#n + Math.round(2.5 * this.sampleRate); // one beat even at 25 bpm
    this.#learnMax = 0;
    this.#inPeak = false;
    this.#lastBeat = -1;
    this.#refCount = 0;
    this.#artifactCount = 0;
    this.#beatCount = 0;
    this.#medianInterval = 0;
    this.#artifactUntil = -1;
    this.#trace.fill(0);
    this.#traceArtifact.fill(0);
    this.#traceLast = -1;
  }

  #detect(z: number, n: number): void {
    if (n < this.#learnUntil) {
      if (z > this.#learnMax) this.#learnMax = z;
      if (n + 1 === this.#learnUntil) this.#setReference(this.#learnMax);
      return;
    }
    // No beat for a long time: the amplitude dropped; let the threshold follow it down (e-fold per second).
    const silence = this.#lastBeat < 0 ? n - this.#learnUntil : n - this.#lastBeat;
    if (silence > 2.5 * this.sampleRate) this.#threshold *= 1 - 1 / this.sampleRate;
    if (this.#inPeak) {
      if (z > this.#peakValue) {
        this.#peakValue = z;
        this.#peakAt = n;
      } else if (z < 0.5 * this.#peakValue || n - this.#peakAt > 0.3 * this.sampleRate) {
        this.#inPeak = false;
        this.#beat(this.#peakAt, this.#peakValue);
      }
      return;
    }
    const refractory = Math.max(this.#refractory, 0.55 * this.#medianInterval);
    if (z > this.#threshold && this.#threshold > 0 && (this.#lastBeat < 0 || n - this.#lastBeat >= refractory)) {
      this.#inPeak = true;
      this.#peakValue = z;
      this.#peakAt = n;
    }
  }

  #beat(at: number, peak: number): void {
    const reference = this.#threshold * 2;
    if (peak > ARTIFACT_RATIO * reference) {
      this.#artifactUntil = at + Math.round(0.5 * this.sampleRate);
      this.#flagTrace(at - Math.round(0.5 * this.sampleRate));
      if (this.#artifactCount === 0) this.#artifactRunStart = at;
      this.#artifactRun[this.#artifactCount % RELEARN_AFTER] = peak;
      this.#artifactCount++;
      this.#addBeat(at, false, peak);
      if (this.#artifactCount >= RELEARN_AFTER && at - this.#artifactRunStart >= RELEARN_SECONDS * this.sampleRate) {
        // The level really changed (e.g. the finger pressed harder): adopt it rather than stay deaf.
        this.#setReference(this.#median(this.#artifactRun, RELEARN_AFTER));
      }
      return;
    }
    this.#artifactCount = 0;
    const interval = this.#lastBeat < 0 ? 0 : at - this.#lastBeat;
    const clean = at > this.#artifactUntil;
    this.#addBeat(at, clean, peak);
    // Only clean beats at a plausible distance from the last one teach the threshold: a run of small noise
    // peaks accepted between beats must not drag it down until noise is all it sees, nor motion push it up.
    const m = this.#medianInterval;
    if (clean && (m === 0 || (interval >= LOWER * m && interval <= UPPER * m))) {
      this.#refs[this.#refAt] = peak;
      this.#refAt = (this.#refAt + 1) % REFS;
      if (this.#refCount < REFS) this.#refCount++;
      this.#threshold = 0.5 * this.#median(this.#refs, this.#refCount);
    }
  }

  /** A finger on the sensor and still no valid reading window after window: the detector may be locked on
   *  the wrong level (e.g. after motion). Learn the pulse level again, keeping the filters running. */
  #watchdog(stuck: boolean): void {
    this.#invalidRun = stuck ? this.#invalidRun + 1 : 0;
    if (this.#invalidRun < WATCHDOG_WINDOWS) return;
    this.#invalidRun = 0;
    this.#learnUntil = this.#n + Math.round(2.5 * this.sampleRate);
    this.#learnMax = 0;
    this.#inPeak = false;
    this.#medianInterval = 0;
    this.#pulseKnown = false;
  }

  #setReference(peak: number): void {
    this.#refs.fill(peak);
    this.#refCount = REFS;
    this.#threshold = 0.5 * peak;
    this.#artifactCount = 0;
  }

  #addBeat(at: number, clean: boolean, peak: number): void {
    this.#beatAt[this.#beatHead] = at;
    this.#beatClean[this.#beatHead] = clean ? 1 : 0;
    this.#beatPeak[this.#beatHead] = peak;
    this.#beatHead = (this.#beatHead + 1) % BEATS;
    if (this.#beatCount < BEATS) this.#beatCount++;
    this.#lastBeat = at;
  }

  #evaluate(finger: boolean): void {
    const r = this.reading;
    const end = this.#n;
    const start = end - this.#window;
    r.at = end;
    r.fingerPresent = finger;
    r.valid = false;
    r.bpm = Number.NaN;
    r.confidence = 0;
    // The window's beats, oldest first; motion-flagged ones break the sequence.
    let beatCount = 0;
    for (let i = this.#beatCount; i > 0; i--) {
      const k = (this.#beatHead - i + BEATS) % BEATS;
      const at = this.#beatAt[k];
      if (at < start || at < this.#started) continue;
      this.#winAt[beatCount] = at;
      this.#winClean[beatCount] = this.#beatClean[k];
      beatCount++;
    }
    const fingerWholeWindow = this.#noFingerAt < start && this.#started <= start;
    let count = this.#intervals(beatCount);
    if (count < 2 || !fingerWholeWindow) {
      this.#medianInterval = count >= 2 ? this.#medianInterval : 0;
      return;
    }
    let median = this.#median(this.#scratch, count);
    // Beats whose pulse does not look like the others (motion reshapes them, a spurious peak has no pulse)
    // are dropped; their neighbours then span one interval (spurious peak) or two (distorted real beat).
    const shape = this.#checkShapes(beatCount, median);
    count = this.#intervals(beatCount);
    if (count < 2) return;
    median = this.#median(this.#scratch, count);
    this.#medianInterval = median;
    let peakCount = 0;
    for (let i = this.#beatCount; i > 0; i--) {
      const k = (this.#beatHead - i + BEATS) % BEATS;
      if (this.#beatAt[k] >= start && this.#beatAt[k] >= this.#started && this.#beatClean[k]) this.#peaks[peakCount++] = this.#beatPeak[k];
    }
    // Merge too-short intervals forward (a spurious extra peak); count each group as the whole number of
    // median intervals it spans (2 for a missed beat), dropping groups that fit no whole number.
    let beats = 0;
    let sum = 0;
    let all = 0;
    let deviation = 0;
    let pending = 0;
    for (let i = 0; i < count; i++) {
      pending += this.#scratch[i];
      if (pending < LOWER * median) continue;
      all += pending;
      // Up to UPPER_SINGLE medians is one interval (a compensatory pause after a premature beat reaches ~1.45);
      // beyond, it must be close to a whole number of them to count as missed beats.
      const spans = pending <= UPPER_SINGLE * median ? 1 : Math.round(pending / median);
      const ratio = pending / (spans * median);
      if (spans === 1 || (spans <= MAX_SPANS && ratio >= 1 - MISSED_FIT && ratio <= 1 + MISSED_FIT)) {
        beats += spans;
        sum += pending;
        deviation += Math.abs(ratio - 1) * pending;
      }
      pending = 0;
    }
    if (beats < 2) return;
    const mean = sum / beats;
    const irregularity = deviation / sum; // time-weighted mean relative deviation from the median interval
    const coverage = sum / this.#window;
    const coverageScore = Math.min(1, coverage / 0.7);
    const regularity = 1 - Math.min(1, Math.max(0, (irregularity - IRREGULAR) / 0.25));
    const acceptance = all > 0 ? sum / all : 0;
    const beatConfidence = coverageScore * regularity * acceptance;
    const bpm = (60 * this.sampleRate) / mean;
    // The beats must describe the signal: its autocorrelation at the beat period has to be high. Spurious
    // peaks in noise or beats timed by motion give a period the waveform itself does not repeat at.
    const lag = mean / this.#decimation;
    const periodicity = this.#periodicity(lag);
    // Beats missed in a regular pattern (every other one) give half the rate with a period the signal does
    // repeat at: the true period, a half or a third of it, repeats at least as well.
    const harmonic = Math.max(this.#periodicity(lag / 2), this.#periodicity(lag / 3));
    const fundamental = harmonic >= HARMONIC_RATIO * periodicity ? 0 : 1;
    // Pulses from one heart differ little in size; motion adds and removes slope at random.
    const peakMedian = this.#median(this.#peaks, peakCount);
    let spread = 0;
    for (let i = 0; i < peakCount; i++) spread += Math.abs(this.#peaks[i] - peakMedian);
    spread /= peakCount * peakMedian;
    const consistency = 1 - Math.min(1, Math.max(0, (spread - PEAK_SPREAD) / 0.2));
    const confidence =
      beatConfidence * fundamental * consistency * shape * Math.min(1, Math.max(0, (periodicity - MIN_PERIODICITY) / 0.25));
    r.confidence = confidence;
    if (confidence >= MIN_CONFIDENCE && bpm >= HEART_RATE_MIN_BPM && bpm <= HEART_RATE_MAX_BPM) {
      r.bpm = bpm;
      r.valid = true;
      if (confidence >= LEARN_CONFIDENCE) this.#learnPulse();
    }

  }

  /** Intervals between consecutive kept beats of the window into #scratch; a motion-flagged beat (0) breaks
   *  the sequence, a shape-rejected one (2) is skipped over. Returns their number. */
  #intervals(beatCount: number): number {
    let count = 0;
    let previous = -1;
    for (let i = 0; i < beatCount; i++) {
      const flag = this.#winClean[i];
      if (flag === 0) {
        previous = -1;
        continue;
      }
      if (flag === 2) continue;
      const at = this.#winAt[i];
      if (previous >= 0) this.#scratch[count++] = at - previous;
      previous = at;
    }
    return count;
  }

  /** Template matching (pulse-shape quality). Each clean beat's pulse, the filtered signal from 0.35 median
   *  intervals before to 0.45 after it resampled to SEGMENT points and standardised, is compared with the
   *  reference pulse: the one learnt from earlier good windows, or else the mean of this window's pulses.
   *  Beats correlating below SHAPE_MIN are marked 2 in #winClean. A window whose mean pulse is not the learnt
   *  one (motion with a rhythm of its own) scores 0. Returns 0..1 from the share of beats that fit. */
  #checkShapes(beatCount: number, median: number): number {
    const step = (0.8 * median) / (SEGMENT - 1) / this.#decimation;
    const offset = (0.35 * median) / this.#decimation;
    const t = this.#template;
    t.fill(0);
    let used = 0;
    for (let i = 0; i < beatCount; i++) {
      if (this.#winClean[i] !== 1 || !this.#loadSegment(this.#winAt[i] / this.#decimation - offset, step)) continue;
      for (let k = 0; k < SEGMENT; k++) t[k] += this.#segment[k];
      used++;
    }
    this.#templateUsable = used >= 3 && standardise(t);
    if (!this.#templateUsable) return 1; // too few to judge
    const reference = this.#pulseKnown ? this.#pulse : t;
    if (this.#pulseKnown && correlate(t, this.#pulse) < SHAPE_MIN) return 0;
    let checked = 0;
    let fit = 0;
    for (let i = 0; i < beatCount; i++) {
      if (this.#winClean[i] !== 1 || !this.#loadSegment(this.#winAt[i] / this.#decimation - offset, step)) continue;
      checked++;
      if (correlate(this.#segment, reference) >= SHAPE_MIN) fit++;
      else this.#winClean[i] = 2;
    }
    const share = fit / checked;
    return Math.min(1, Math.max(0, ((share - SHAPE_SHARE) / (1 - SHAPE_SHARE)) * 2));
  }

  /** Learn the pulse shape from a window judged good. */
  #learnPulse(): void {
    if (!this.#templateUsable) return;
    const p = this.#pulse;
    if (!this.#pulseKnown) p.set(this.#template);
    else for (let k = 0; k < SEGMENT; k++) p[k] = 0.8 * p[k] + 0.2 * this.#template[k];
    this.#pulseKnown = standardise(p);
  }

  /** SEGMENT trace values from decimated position `from` in steps of `step` (linear interpolation),
   *  standardised, into #segment; false when they are not all in the ring or are flat. */
  #loadSegment(from: number, step: number): boolean {
    const size = this.#trace.length;
    const last = from + step * (SEGMENT - 1);
    if (from <= this.#traceLast - size + 1 || Math.ceil(last) > this.#traceLast) return false;
    const x = this.#segment;
    for (let k = 0; k < SEGMENT; k++) {
      const position = from + step * k;
      const j = Math.floor(position);
      const f = position - j;
      x[k] = (1 - f) * this.#trace[j % size] + f * this.#trace[(j + 1) % size];
    }
    return standardise(x);
  }

  /** Normalised autocorrelation of the decimated filtered signal over the window at `lag` trace samples
   *  (fractional: interpolated), after clipping outliers to 3x the median magnitude so that a short burst of
   *  motion cannot dominate it. */
  #periodicity(lag: number): number {
    const n = this.#traceWindow;
    const size = this.#trace.length;
    const first = this.#traceLast - n + 1 + size; // + size keeps the index positive
    const x = this.#traceWork;
    for (let i = 0; i < n; i++) {
      const v = this.#trace[(first + i) % size];
      x[i] = v < 0 ? -v : v;
    }
    const limit = 3 * this.#select(x, n >> 1);
    for (let i = 0; i < n; i++) {
      const k = (first + i) % size;
      const v = this.#traceArtifact[k] ? 0 : this.#trace[k]; // motion stretches take no part
      x[i] = v > limit ? limit : v < -limit ? -limit : v;
    }
    const k = Math.floor(lag);
    if (k < 1 || k + 1 >= n) return 0;
    const f = lag - k;
    return (1 - f) * this.#autocorrelation(x, n, k) + f * this.#autocorrelation(x, n, k + 1);
  }

  /** Flag the trace from sample `from` up to now as motion (the artifact peak is found after it began). */
  #flagTrace(from: number): void {
    const size = this.#trace.length;
    const back = Math.min(size, Math.ceil((this.#n - from) / this.#decimation));
    for (let i = 0; i < back; i++) this.#traceArtifact[(this.#traceLast - i + size) % size] = 1;
  }

  #autocorrelation(x: Float32Array, n: number, lag: number): number {
    let xy = 0, xx = 0, yy = 0;
    for (let i = 0; i + lag < n; i++) {
      const a = x[i], b = x[i + lag];
      xy += a * b;
      xx += a * a;
      yy += b * b;
    }
    return xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
  }

  /** The k-th smallest of x[0..n) (quickselect, reorders x). */
  #select(x: Float32Array, k: number): number {
    let lo = 0, hi = x.length - 1;
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

  /** Median of values[0..count), sorted in a copy so the caller's order survives. */
  #median(values: Float32Array | Float64Array, count: number): number {
    const s = this.#sorted;
    for (let i = 0; i < count; i++) {
      const v = values[i];
      let j = i - 1;
      while (j >= 0 && s[j] > v) {
        s[j + 1] = s[j];
        j--;
      }
      s[j + 1] = v;
    }
    const mid = count >> 1;
    return count & 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  }
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
