// Streaming heart-rate estimator for raw PPG counts (e.g. MAX30102 IR), one sample at a time.
//
// Per sample (fixed cost, no allocation): DC tracking for finger detection; band-pass 0.5..5 Hz (30..300
// beats/min) of the inverted signal (counts fall as blood volume rises); the slope sum function (sum of the
// positive slopes over ~120 ms) that peaks once per systolic upstroke, fed to the BeatDetector; the filtered
// signal, decimated, into the PulseTrace for the quality checks.
//
// Per window (every `stepSeconds`, over the last `windowSeconds`, 8 s / 2 s as in the IEEE SPC 2015 scoring):
// the intervals between clean consecutive beats, relative to their median. Intervals shorter than 0.62 x the
// median are merged with the next one (a spurious extra peak); a group up to 1.55 x counts as one interval
// (so a premature beat and its compensatory pause count as the two intervals they are), a longer one as k
// missed-beat intervals when within 20 % of k medians, otherwise it is dropped. bpm = 60 x intervals counted /
// time they span: the mean rate over the window, as an ECG reference computes it.
// Beats whose pulse does not have the learnt shape are dropped first (see pulse-trace.ts). When the rate
// stepped within the window (a run of at least 2.5 s of agreeing intervals at its end, 30 % away from the
// regular ones before), only the new rhythm is judged, so a step is tracked within two windows.
// Confidence = coverage of the window by counted intervals x regularity x share of time counted x pulse
// shape score x consistency of pulse sizes x rhythm (scatter of the intervals as found, before merging)
// x periodicity (autocorrelation at the beat period). Until a pulse shape has been learnt (from a valid,
// regular window) the rhythm and periodicity must be those of a clear pulse: band-limited noise makes
// quasi-regular peaks that merging and span counting would pass. When half or a third of the period repeats
// as well, every other beat was missed: confidence is zero and the detector's threshold is lowered. A reading is valid only with a finger present over the whole window, no gap in it,
// confidence >= 0.5 and bpm inside 25..250 (design.md section 6). Invalid readings carry NaN, never a stale
// or guessed number. A finger on the sensor and no valid reading four times running makes the detector
// learn the pulse level and shape again.
import { beatCapacity, BeatDetector, Detection, LOWER } from "./beat-detector.js";
import { Biquad } from "./biquad.js";
import { median } from "./median.js";
import { HEART_RATE_MAX_BPM, HEART_RATE_MIN_BPM } from "./plausibility.js";
import { PulseTrace } from "./pulse-trace.js";
import { recentRegime, scatter } from "./rhythm.js";

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

const UPPER_SINGLE = 1.55; // up to this x median interval, a group is one beat-to-beat interval
const MISSED_FIT = 0.2; // a longer group spans k >= 2 intervals when within k x (1 +- MISSED_FIT) medians
const MAX_SPANS = 3; // more missed beats than this in a row: not a gap in detection but in the signal
// Autocorrelation the beat period must show in the filtered signal (confidence 0 below, 1 at + PERIODIC_SPAN):
// modest once the wearer's pulse shape is known, high before (a first reading needs a clearly periodic pulse).
const MIN_PERIODICITY = 0.15;
const MIN_PERIODICITY_FIRST = 0.55;
const PERIODIC_SPAN = 0.25;
// Scatter of the intervals as found (mean relative deviation from their median) from which confidence falls,
// to 0 at + SCATTER_SPAN: band-limited noise gives 0.2..0.6, a pulse 0.01..0.05, with premature beats or
// atrial fibrillation 0.1..0.2. Before the pulse shape is known a first reading needs a regular rhythm.
const SCATTER = 0.25;
const SCATTER_FIRST = 0.1;
const SCATTER_SPAN = 0.1;
const IRREGULAR = 0.2; // mean relative deviation from the counted intervals tolerated before confidence drops
const REGIME_SECONDS = 2.5; // a new rhythm at the end of the window is judged alone once it lasts this long
const MIN_CONFIDENCE = 0.5;
const HARMONIC_RATIO = 0.8; // autocorrelation at a fraction of the period this close to it: a subharmonic
const PEAK_SPREAD = 0.25; // mean relative deviation of beat peak sizes tolerated before confidence drops
const MOTION_G = 0.05; // acceleration beyond gravity (RMS over ~0.5 s) from which the wrist is moving
const MOTION_LOOKBACK = 1; // s of PPG before a motion sample flagged with it (averaging and drain delay)
const WATCHDOG_WINDOWS = 4; // invalid readings in a row (finger on) before the detector relearns

export class HeartRateEstimator {
  readonly sampleRate: number;
  /** The latest reading; the same object is renewed every step. */
  readonly reading: HeartRateReading = { bpm: Number.NaN, confidence: 0, fingerPresent: false, valid: false, at: 0 };
  #window: number;
  #step: number;
  #fingerThreshold: number;
  #hp: Biquad;
  #lp: Biquad;
  #beats: BeatDetector;
  #trace: PulseTrace;
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
  // Motion: gravity per axis (slow average), the rest low-passed per axis, its energy (RMS^2, ~0.5 s).
  #gravity = new Float64Array(3);
  #band = new Float64Array(3);
  #bandAlpha = 0;
  #motionEnergy = -1;
  #gravityAlpha = 0;
  #energyAlpha = 0;
  #motionLookback = 0;
  #invalidRun = 0; // consecutive invalid readings with a finger on the sensor
  // Window scratch: its beats, their flags (0 motion, 1 kept, 2 wrong shape), intervals, peaks, sorting.
  #winAt: Float64Array;
  #winFlag: Uint8Array;
  #intervals: Float64Array;
  #peaks: Float32Array;
  #sorted: Float64Array;

  constructor(options: HeartRateOptions) {
    const fs = options.sampleRate;
    if (!(fs >= 10 && fs <= 1000)) throw new RangeError(`sample rate ${fs}`);
    this.sampleRate = fs;
    const windowSeconds = options.windowSeconds ?? 8;
    const stepSeconds = options.stepSeconds ?? 2;
    if (!(windowSeconds >= 5 && windowSeconds <= 60)) throw new RangeError(`window ${windowSeconds} s (5..60)`);
    if (!(stepSeconds > 0 && stepSeconds <= windowSeconds)) throw new RangeError(`step ${stepSeconds} s`);
    this.#window = Math.round(windowSeconds * fs);
    this.#step = Math.max(1, Math.round(stepSeconds * fs));
    this.#fingerThreshold = options.fingerThreshold ?? 25000;
    this.#hp = Biquad.highPass(0.5, fs);
    this.#lp = Biquad.lowPass(Math.min(5, fs / 4), fs);
    this.#slopes = new Float32Array(Math.max(2, Math.round(0.12 * fs)));
    this.#dcAlpha = 1 / fs; // ~1 s time constant
    const capacity = beatCapacity(this.#window / fs);
    this.#beats = new BeatDetector(fs, capacity);
    this.#winAt = new Float64Array(capacity);
    this.#winFlag = new Uint8Array(capacity);
    this.#intervals = new Float64Array(capacity);
    this.#peaks = new Float32Array(capacity);
    this.#sorted = new Float64Array(capacity);
    this.#trace = new PulseTrace(this.#window, fs);
    const motionRate = options.motionRate ?? 25;
    this.#gravityAlpha = Math.min(1, (2 * Math.PI * 0.3) / motionRate); // ~0.3 Hz high-pass
    this.#bandAlpha = Math.min(1, (2 * Math.PI * 5) / motionRate); // ~5 Hz low-pass: the pulse band
    this.#energyAlpha = Math.min(1, 1 / (0.5 * motionRate));
    this.#motionLookback = Math.round(MOTION_LOOKBACK * fs);
  }

  /** One accelerometer sample, g, at `motionRate` per second, before the PPG samples of the same period: while
   *  the wrist moves, beats are flagged as motion (as the detector flags artifact peaks) and windows made
   *  mostly of motion carry no reading. Without calls here the estimator relies on the PPG alone. */
  pushMotion(x: number, y: number, z: number): void {
    const g = this.#gravity;
    if (this.#motionEnergy < 0) {
      g[0] = x;
      g[1] = y;
      g[2] = z;
      this.#motionEnergy = 0;
    }
    const a = this.#gravityAlpha;
    g[0] += a * (x - g[0]);
    g[1] += a * (y - g[1]);
    g[2] += a * (z - g[2]);
    const d = this.#band;
    const b = this.#bandAlpha;
    d[0] += b * (x - g[0] - d[0]);
    d[1] += b * (y - g[1] - d[1]);
    d[2] += b * (z - g[2] - d[2]);
    this.#motionEnergy += this.#energyAlpha * (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] - this.#motionEnergy);
    if (this.#motionEnergy < MOTION_G * MOTION_G) return;
    const n = this.#n;
    this.#beats.flagMotion(n - this.#motionLookback, n + this.#beats.motionMargin);
    this.#trace.flagMotion(n - this.#motionLookback, n);
  }

  /** One raw sample. Returns true when `reading` has just been renewed. */
  push(counts: number): boolean {
    const n = this.#n++;
    if (this.#started < 0) this.#restart(counts, n);
    this.#dc += this.#dcAlpha * (counts - this.#dc);
    const finger = this.#dc >= this.#fingerThreshold;
    if (!finger) {
      if (this.#noFingerAt !== n - 1) this.#restart(counts, n); // finger removed: start again when it returns
      this.#noFingerAt = n;
    } else if (n > 0 && this.#noFingerAt === n - 1) {
      this.#restart(counts, n); // finger placed: the step would look like a huge beat
    }
    const beats = this.#beats;
    const y = this.#lp.step(this.#hp.step(this.#origin - counts));
    this.#trace.push(y, n, n <= beats.artifactUntil);
    const slope = y - this.#previous;
    this.#previous = y;
    const positive = slope > 0 ? slope : 0;
    this.#ssf += positive - this.#slopes[this.#slopeAt];
    this.#slopes[this.#slopeAt] = positive;
    this.#slopeAt = (this.#slopeAt + 1) % this.#slopes.length;
    if (beats.step(this.#ssf, n) === Detection.Artifact) {
      this.#trace.flagMotion(beats.at[beats.index(0)] - beats.motionMargin, n + 1);
    }
    const done = this.#n;
    if (done >= this.#window && (done - this.#window) % this.#step === 0) {
      this.#evaluate(finger);
      this.#watchdog(finger && !this.reading.valid && this.#started <= done - this.#window);
      return true;
    }
    return false;
  }

  /** `lost` samples are missing (FIFO overflow, failed read): the stream starts again after them, and no
   *  reading is valid until a whole window has passed without a gap. The current reading is withdrawn at
   *  once: while the sensor cannot be read it must not go on looking fresh. */
  markGap(lost: number): void {
    this.#n += Math.max(0, lost);
    this.#started = -1;
    this.#withdraw();
  }

  /** Forget everything (e.g. after reconfiguring the sensor or for another wearer). */
  reset(): void {
    this.#n = 0;
    this.#noFingerAt = -1;
    this.#started = -1;
    this.#invalidRun = 0;
    this.#trace.forgetPulse();
    this.#withdraw();
    this.reading.fingerPresent = false;
    this.reading.at = 0;
  }

  #withdraw(): void {
    const r = this.reading;
    r.bpm = Number.NaN;
    r.confidence = 0;
    r.valid = false;
  }

  /** Start a continuous stretch at sample `n` with raw value `counts`. */
  #restart(counts: number, n: number): void {
    this.#started = n;
    this.#origin = counts;
    this.#dc = counts;
    this.#hp.reset();
    this.#lp.reset();
    this.#slopes.fill(0);
    this.#ssf = 0;
    this.#previous = 0;
    this.#beats.restart(n);
    this.#trace.restart();
  }

  /** A finger on the sensor and still no valid reading window after window: the detector may be locked on
   *  the wrong level or shape (e.g. after motion). Learn both again, keeping the filters running. */
  #watchdog(stuck: boolean): void {
    this.#invalidRun = stuck ? this.#invalidRun + 1 : 0;
    if (this.#invalidRun < WATCHDOG_WINDOWS) return;
    this.#invalidRun = 0;
    this.#beats.relearn(this.#n);
    this.#trace.forgetPulse();
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
    // The window's beats, oldest first.
    const beats = this.#beats;
    let beatCount = 0;
    for (let i = beats.count; i > 0; i--) {
      const k = beats.index(i - 1);
      const at = beats.at[k];
      if (at < start || at < this.#started) continue;
      this.#winAt[beatCount] = at;
      this.#winFlag[beatCount] = beats.clean[k];
      this.#peaks[beatCount] = beats.peak[k];
      beatCount++;
    }
    const fingerWholeWindow = this.#noFingerAt < start && this.#started <= start;
    let count = this.#collectIntervals(beatCount);
    if (count < 2 || !fingerWholeWindow) {
      if (count < 2) beats.medianInterval = 0;
      return;
    }
    // A step in rate within the window: judge the new rhythm alone (against the old one, its intervals
    // would be merged as spurious peaks or counted as missed beats).
    let from = start;
    const known = this.#trace.pulseKnown;
    const regime = known ? recentRegime(this.#intervals, count, REGIME_SECONDS * this.sampleRate, this.#sorted) : 0;
    if (regime > 0) {
      from = this.#dropBefore(beatCount, regime);
      count = this.#collectIntervals(beatCount);
    }
    let m = median(this.#intervals, count, this.#sorted);
    // Beats whose pulse does not look like the others (motion reshapes them, a spurious peak has no pulse)
    // are dropped; their neighbours then span one interval (spurious peak) or two (distorted real beat).
    const shape = this.#trace.checkShapes(this.#winAt, this.#winFlag, beatCount, m);
    count = this.#collectIntervals(beatCount);
    if (count < 2) return;
    m = median(this.#intervals, count, this.#sorted);
    beats.medianInterval = m;
    // How scattered the intervals are as found: noise peaks come at intervals all over the place, which the
    // merging and span counting below would otherwise make look regular.
    const spread = scatter(this.#intervals, 0, count, m);
    const rhythm = 1 - clamp01((spread - (known ? SCATTER : SCATTER_FIRST)) / SCATTER_SPAN);
    // Merge too-short intervals forward (a spurious extra peak); count each group as the whole number of
    // median intervals it spans (2 for a missed beat), dropping groups that fit no whole number.
    let spanned = 0;
    let sum = 0;
    let all = 0;
    let deviation = 0;
    let pending = 0;
    for (let i = 0; i < count; i++) {
      pending += this.#intervals[i];
      if (pending < LOWER * m) continue;
      all += pending;
      // Up to UPPER_SINGLE medians is one interval (a compensatory pause after a premature beat reaches ~1.45);
      // beyond, it must be close to a whole number of them to count as missed beats.
      const spans = pending <= UPPER_SINGLE * m ? 1 : Math.round(pending / m);
      const ratio = pending / (spans * m);
      if (spans === 1 || (spans <= MAX_SPANS && ratio >= 1 - MISSED_FIT && ratio <= 1 + MISSED_FIT)) {
        spanned += spans;
        sum += pending;
        deviation += Math.abs(ratio - 1) * pending;
      }
      pending = 0;
    }
    if (spanned < 2) return;
    const mean = sum / spanned;
    const bpm = (60 * this.sampleRate) / mean;
    const coverage = Math.min(1, sum / (end - from) / 0.7);
    const regularity = 1 - clamp01((deviation / sum - IRREGULAR) / 0.25);
    const acceptance = all > 0 ? sum / all : 0;
    // The beats must describe the signal: its autocorrelation at the beat period has to be high; and when half
    // or a third of that period repeats as well, beats were missed in a regular pattern (every other one).
    this.#trace.prepare(mean, end - from);
    const periodicity = this.#trace.periodicity(mean);
    const harmonic = Math.max(this.#trace.periodicity(mean / 2), this.#trace.periodicity(mean / 3));
    const fundamental = harmonic >= HARMONIC_RATIO * periodicity ? 0 : 1;
    if (fundamental === 0) beats.missingBeats(); // the threshold is above some of the beats: lower it
    // Pulses from one heart differ little in size; motion adds and removes slope at random.
    const consistency = 1 - clamp01((this.#peakSpread(beatCount) - PEAK_SPREAD) / 0.2);
    const periodic = clamp01((periodicity - (known ? MIN_PERIODICITY : MIN_PERIODICITY_FIRST)) / PERIODIC_SPAN);
    const confidence = coverage * regularity * acceptance * shape * fundamental * consistency * rhythm * periodic;
    r.confidence = confidence;
    if (confidence >= MIN_CONFIDENCE && bpm >= HEART_RATE_MIN_BPM && bpm <= HEART_RATE_MAX_BPM) {
      r.bpm = bpm;
      r.valid = true;
      // Only a regular window teaches the shape: one learnt from noise would let more noise through.
      if (spread <= SCATTER_FIRST) this.#trace.learnPulse();
    }
  }

  /** Leave out the window's beats before the one that starts interval `k` (flag them as a break); returns
   *  that beat's time. */
  #dropBefore(beatCount: number, k: number): number {
    let count = 0;
    let previous = -1;
    for (let i = 0; i < beatCount; i++) {
      const flag = this.#winFlag[i];
      if (flag === 0) {
        previous = -1;
        continue;
      }
      if (flag !== 1) continue;
      if (previous >= 0 && count++ === k) {
        for (let j = 0; j < previous; j++) this.#winFlag[j] = 0;
        return this.#winAt[previous];
      }
      previous = i;
    }
    return this.#winAt[previous];
  }

  /** Intervals between consecutive kept beats of the window into #intervals; a motion-flagged beat breaks
   *  the sequence, a shape-rejected one is skipped over. Returns their number. */
  #collectIntervals(beatCount: number): number {
    let count = 0;
    let previous = -1;
    for (let i = 0; i < beatCount; i++) {
      const flag = this.#winFlag[i];
      if (flag === 0) {
        previous = -1;
        continue;
      }
      if (flag !== 1) continue;
      const at = this.#winAt[i];
      if (previous >= 0) this.#intervals[count++] = at - previous;
      previous = at;
    }
    return count;
  }

  /** Mean relative deviation of the SSF peaks of the window's clean beats from their median. */
  #peakSpread(beatCount: number): number {
    // Motion-flagged beats are left out; compact the rest to the front of #peaks.
    let n = 0;
    for (let i = 0; i < beatCount; i++) if (this.#winFlag[i] === 1) this.#peaks[n++] = this.#peaks[i];
    const m = median(this.#peaks, n, this.#sorted);
    let spread = 0;
    for (let i = 0; i < n; i++) spread += Math.abs(this.#peaks[i] - m);
    return spread / (n * m);
  }
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
