// One analysis window of the heart-rate estimator (every `stepSeconds`, over the last `windowSeconds`): from
// the beats the detector found and the trace of the filtered signal, a rate and a confidence.
//
// The intervals between clean consecutive beats, relative to their median. Beats whose pulse does not have
// the learnt shape are dropped first (pulse-trace.ts). When the rate stepped within the window (a run of at
// least 2.5 s of agreeing intervals at its end that, against the regular ones before, would pass for spurious
// peaks or missed beats), only the new rhythm is judged, so a step is tracked within two windows. Intervals shorter than 0.62 x the median are merged
// with the next one (a spurious extra peak); a group up to 1.55 x counts as one interval (so a premature beat
// and its compensatory pause count as the two intervals they are), a longer one as k missed-beat intervals
// when within 20 % of k medians, otherwise it is dropped. bpm = 60 x intervals counted / time they span: the
// mean rate over the window, as an ECG reference computes it.
// Confidence = coverage of the window by counted intervals x regularity x share of time counted x pulse
// shape score x consistency of pulse sizes x rhythm (scatter of the intervals as found, before merging) x
// periodicity (autocorrelation at the beat period). Until a pulse shape has been learnt (from a valid,
// regular window) rhythm and periodicity must be those of a clear pulse (or of a variable rhythm whose
// pulses all look alike): band-limited noise makes quasi-regular peaks that merging and span counting
// would pass. When half or a third of the period repeats
// as well, every other beat was missed: confidence is zero and the detector's threshold is lowered.
import { type BeatDetector, LOWER } from "./beat-detector.js";
import { median } from "./median.js";
import { HEART_RATE_MAX_BPM, HEART_RATE_MIN_BPM } from "./physiological-limits.js";
import type { PulseTrace } from "./pulse-trace.js";
import { recentRegime, scatter, UPPER_SINGLE } from "./rhythm.js";

const MISSED_FIT = 0.2; // a longer group spans k >= 2 intervals when within k x (1 +- MISSED_FIT) medians
const MAX_SPANS = 3; // more missed beats than this in a row: not a gap in detection but in the signal
// Autocorrelation the beat period must show in the filtered signal (confidence 0 below, 1 at + PERIODIC_SPAN):
// modest once the wearer's pulse shape is known, high before (a first reading needs a clearly periodic pulse).
const MIN_PERIODICITY = 0.15;
const MIN_PERIODICITY_FIRST = 0.55;
const PERIODIC_SPAN = 0.25;
// ... or, for a first reading of a variable rhythm, this much with pulses alike: mean correlation with the
// window's mean pulse from LIKENESS_FIRST (0) to + LIKENESS_SPAN (1). Pulses 0.97..0.99, noise 0.89..0.96.
const MIN_PERIODICITY_ALIKE = 0.3;
const LIKENESS_FIRST = 0.97;
const LIKENESS_SPAN = 0.02;
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

/** Marks of the window's beats: 0 motion (breaks the sequence), 1 kept; 2 (pulse-trace.ts) wrong shape. */
const MOTION = 0, KEPT = 1;

/** What evaluate() fills in. */
interface WindowResult {
  bpm: number;
  confidence: number;
  valid: boolean;
}

export class WindowAnalysis {
  // Scratch: the median's (from 0), then per beat of the window its time since the window's start, its mark,
  // then the intervals (reused for the beats' SSF peaks); once those are done, the trace's autocorrelation.
  readonly #f: Float32Array;
  readonly #capacity: number;

  /** Scratch it needs for a ring of `capacity` beats and a trace window of `traceWindow` samples. */
  static floats(capacity: number, traceWindow: number): number {
    return Math.max(4 * capacity, traceWindow);
  }

  /** `scratch`: floats(capacity, traceWindow) numbers from index 0, free while evaluate() runs. */
  constructor(scratch: Float32Array, capacity: number) {
    this.#f = scratch;
    this.#capacity = capacity;
  }

  /** The window [start, end) of input samples at `sampleRate`, its beats found since `started`: fills `r`
   *  (NaN and not valid unless a rate is clear). Teaches the detector the median interval and the trace the
   *  pulse shape of a good window. */
  evaluate(r: WindowResult, beats: BeatDetector, trace: PulseTrace, start: number, end: number, started: number, sampleRate: number): void {
    const f = this.#f;
    const c = this.#capacity;
    const times = c, flags = 2 * c, intervals = 3 * c;
    r.valid = false;
    r.bpm = Number.NaN;
    r.confidence = 0;
    // The window's beats, oldest first: the newest ones of the ring.
    const first = Math.max(start, started);
    let beatCount = 0;
    while (beatCount < beats.count && beats.time(beats.index(beatCount)) >= first) beatCount++;
    for (let i = 0; i < beatCount; i++) {
      const k = beats.index(beatCount - 1 - i);
      f[times + i] = beats.time(k) - start;
      f[flags + i] = beats.clean(k) ? KEPT : MOTION;
    }
    let count = this.collectIntervals(beatCount);
    if (count < 2) {
      beats.learnInterval(0);
      return;
    }
    if (started > start) return; // the stretch began inside the window
    // A step in rate within the window: judge the new rhythm alone (against the old one, its intervals
    // would be merged as spurious peaks or counted as missed beats).
    let from = start;
    const known = trace.pulseKnown;
    const regime = known ? recentRegime(f, intervals, intervals + count, REGIME_SECONDS * sampleRate) - intervals : 0;
    if (regime > 0) {
      from = start + this.dropBefore(beatCount, regime);
      count = this.collectIntervals(beatCount);
    }
    let m = median(f, intervals + count, f, intervals);
    // Beats whose pulse does not look like the others (motion reshapes them, a spurious peak has no pulse)
    // are dropped; their neighbours then span one interval (spurious peak) or two (distorted real beat).
    const shape = trace.checkShapes(f, times, flags, beatCount, start, m);
    count = this.collectIntervals(beatCount);
    if (count < 2) return;
    m = median(f, intervals + count, f, intervals);
    beats.learnInterval(m);
    // How scattered the intervals are as found: noise peaks come at intervals all over the place, which the
    // merging and span counting below would otherwise make look regular.
    const spread = scatter(f, intervals, intervals + count, m);
    const rhythm = 1 - clamp01((spread - (known ? SCATTER : SCATTER_FIRST)) / SCATTER_SPAN);
    // Merge too-short intervals forward (a spurious extra peak); count each group as the whole number of
    // median intervals it spans (2 for a missed beat), dropping groups that fit no whole number.
    let spanned = 0;
    let sum = 0;
    let all = 0;
    let deviation = 0;
    let pending = 0;
    for (let i = 0; i < count; i++) {
      pending += f[intervals + i];
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
    const bpm = (60 * sampleRate) / mean;
    const coverage = Math.min(1, sum / (end - from) / 0.7);
    const regularity = 1 - clamp01((deviation / sum - IRREGULAR) / 0.25);
    const acceptance = all > 0 ? sum / all : 0;
    // Pulses from one heart differ little in size; motion adds and removes slope at random.
    const consistency = 1 - clamp01((this.peakSpread(beats, beatCount) - PEAK_SPREAD) / 0.2);
    // The beats must describe the signal: its autocorrelation at the beat period has to be high; and when half
    // or a third of that period repeats as well, beats were missed in a regular pattern (every other one).
    // (The trace is prepared in the scratch: the beats' marks and intervals are done with.)
    trace.prepare(mean, end - from, f);
    const periodicity = trace.periodicity(mean, f);
    const harmonic = Math.max(trace.periodicity(mean / 2, f), trace.periodicity(mean / 3, f));
    const fundamental = harmonic >= HARMONIC_RATIO * periodicity ? 0 : 1;
    if (fundamental === 0) beats.missingBeats(); // the threshold is above some of the beats: lower it
    const periodic = known ? clamp01((periodicity - MIN_PERIODICITY) / PERIODIC_SPAN) : firstPeriodic(periodicity, trace.likeness);
    const confidence = coverage * regularity * acceptance * shape * fundamental * consistency * rhythm * periodic;
    r.confidence = confidence;
    if (confidence >= MIN_CONFIDENCE && bpm >= HEART_RATE_MIN_BPM && bpm <= HEART_RATE_MAX_BPM) {
      r.bpm = bpm;
      r.valid = true;
      // Only a regular window teaches the shape: one learnt from noise would let more noise through.
      if (spread <= SCATTER_FIRST) trace.learnPulse();
    }
  }

  /** Mark the window's beats before the one that starts interval `k` as a break; returns that beat's time
   *  since the window's start. */
  private dropBefore(beatCount: number, k: number): number {
    const f = this.#f;
    const flags = 2 * this.#capacity;
    let count = 0;
    let previous = -1;
    for (let i = 0; i < beatCount; i++) {
      const flag = f[flags + i];
      if (flag === MOTION) {
        previous = -1;
        continue;
      }
      if (flag !== KEPT) continue;
      if (previous >= 0 && count++ === k) break;
      previous = i;
    }
    f.fill(MOTION, flags, flags + previous);
    return f[this.#capacity + previous];
  }

  /** Intervals between consecutive kept beats of the window; a motion-marked beat breaks the sequence, a
   *  shape-rejected one is skipped over. Returns their number. */
  private collectIntervals(beatCount: number): number {
    const f = this.#f;
    const c = this.#capacity;
    const times = c, flags = 2 * c, intervals = 3 * c;
    let count = 0;
    let previous = -1;
    for (let i = 0; i < beatCount; i++) {
      const flag = f[flags + i];
      if (flag === MOTION) {
        previous = -1;
        continue;
      }
      if (flag !== KEPT) continue;
      const at = f[times + i];
      if (previous >= 0) f[intervals + count++] = at - previous;
      previous = at;
    }
    return count;
  }

  /** Mean relative deviation of the SSF peaks of the window's kept beats from their median. */
  private peakSpread(beats: BeatDetector, beatCount: number): number {
    const f = this.#f;
    const flags = 2 * this.#capacity, peaks = 3 * this.#capacity; // the intervals are no longer needed
    let n = 0;
    for (let i = 0; i < beatCount; i++) if (f[flags + i] === KEPT) f[peaks + n++] = beats.peak(beats.index(beatCount - 1 - i));
    const m = median(f, peaks + n, f, peaks);
    let spread = 0;
    for (let i = 0; i < n; i++) spread += Math.abs(f[peaks + i] - m);
    return spread / (n * m);
  }
}

/** Until the wearer's pulse shape is known: a clearly periodic signal, or (a variable rhythm, whose
 *  autocorrelation at the mean period is lower) a fairly periodic one whose pulses all look alike. */
function firstPeriodic(periodicity: number, likeness: number): number {
  const periodic = clamp01((periodicity - MIN_PERIODICITY_FIRST) / PERIODIC_SPAN);
  const alike = clamp01((likeness - LIKENESS_FIRST) / LIKENESS_SPAN) * clamp01((periodicity - MIN_PERIODICITY_ALIKE) / PERIODIC_SPAN);
  return periodic > alike ? periodic : alike;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
