// Beat detection on the slope sum function (SSF, the sum of positive slopes of the filtered PPG over ~120 ms,
// after Zong et al. 2003), one sample at a time, into a ring of beats.
//
// A beat is the SSF's maximum after it crosses half the median of the last five beats' peaks, at least a
// refractory time (0.45 median intervals, never less than 60/312 s) after the previous beat. The first 2.5 s
// (one beat even at 25 bpm) only learn the level; learning it again later goes on detecting meanwhile. A
// peak above 3x the recent ones is motion: it is kept as an unclean beat and the half second around it is
// flagged. Only clean beats at a plausible distance from the
// previous one teach the threshold; a long silence lets it decay; a lasting new level (8 "artifacts" over 6 s)
// is adopted.
import { HEART_RATE_MAX_BPM } from "./plausibility.js";
import { median } from "./median.js";

/** Ring capacity for `seconds` of beats: room for 6 per second (360 bpm, beyond any plausible rate) and some. */
export function beatCapacity(seconds: number): number {
  return Math.ceil(seconds * 6) + 16;
}
/** Shorter than this x the median interval: a spurious extra peak. */
export const LOWER = 0.62;

const REFS = 5; // recent beat peaks the threshold follows
const UPPER = 1.5; // beyond this x median interval, a beat does not teach the threshold
const ARTIFACT_RATIO = 3; // a peak this many times the recent ones is not a beat
const RELEARN_AFTER = 8; // consecutive artifact peaks (over RELEARN_SECONDS at least) after which their
const RELEARN_SECONDS = 6; // level becomes the new normal: a lasting change, not a burst of motion
const LEARN_SECONDS = 2.5;
const REFRACTORY_MARGIN = 1.25; // the shortest refractory time is that of 1.25 x the highest plausible rate
const MISSED_BEAT_FACTOR = 0.6; // threshold scale when beats are known to be missed
const MOTION_MARGIN_SECONDS = 0.5; // flagged around an artifact peak
// Refractory time after a beat, in median intervals: short enough that a rate up to 2.2x the last window's
// is still seen (a step from 70 to 130 bpm), long enough to skip the dicrotic wave at rest.
const REFRACTORY_SHARE = 0.45;

/** What one step found. */
export const Detection = { None: 0, Beat: 1, Artifact: 2 } as const;
export type Detection = (typeof Detection)[keyof typeof Detection];

export class BeatDetector {
  // The ring: beat times (sample index of the SSF peak), 1 = clean / 0 = during motion, SSF peak.
  readonly at: Float64Array;
  readonly clean: Uint8Array;
  readonly peak: Float32Array;
  readonly capacity: number;
  count = 0;
  head = 0;
  /** Samples up to this one are flagged as motion. */
  artifactUntil = -1;
  /** Median beat interval of the last window, set by the estimator (0 when unknown). */
  medianInterval = 0;
  readonly motionMargin: number;
  #rate: number;
  #refractory: number;
  #learnUntil = 0;
  #learnMax = 0;
  #threshold = 0;
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
  #scratch = new Float64Array(RELEARN_AFTER);

  constructor(sampleRate: number, capacity: number) {
    this.#rate = sampleRate;
    this.capacity = capacity;
    this.at = new Float64Array(capacity);
    this.clean = new Uint8Array(capacity);
    this.peak = new Float32Array(capacity);
    // Shorter than the fastest plausible beat, so that a faster rhythm is measured (and then refused as
    // implausible) instead of being clipped to just below the limit.
    this.#refractory = Math.round((60 / (REFRACTORY_MARGIN * HEART_RATE_MAX_BPM)) * sampleRate);
    this.motionMargin = Math.round(MOTION_MARGIN_SECONDS * sampleRate);
  }

  /** Forget the beats and the level; learn again from sample `n`. */
  restart(n: number): void {
    this.relearn(n);
    this.#lastBeat = -1;
    this.#refCount = 0;
    this.#threshold = 0;
    this.#artifactCount = 0;
    this.count = 0;
    this.artifactUntil = -1;
  }

  /** Learn the level again from sample `n`, keeping the beats found so far and finding more meanwhile with
   *  the old level (a gap of several seconds would keep the windows invalid). */
  relearn(n: number): void {
    this.#learnUntil = n + Math.round(LEARN_SECONDS * this.#rate);
    this.#learnMax = 0;
    this.#inPeak = false;
    this.medianInterval = 0;
  }

  /** Motion (seen by an accelerometer) from sample `from` until sample `until`: beats found from `from` on
   *  are not clean, nor any found up to `until`. */
  flagMotion(from: number, until: number): void {
    if (until > this.artifactUntil) this.artifactUntil = until;
    for (let back = 0; back < this.count; back++) {
      const k = this.index(back);
      if (this.at[k] < from) break;
      this.clean[k] = 0;
    }
  }

  /** The estimator found the beats at a multiple of the signal's period: beats below the threshold are being
   *  missed. Lower it, and forget the (too long) median interval that sets the refractory time. */
  missingBeats(): void {
    for (let i = 0; i < REFS; i++) this.#refs[i] *= MISSED_BEAT_FACTOR;
    this.#threshold *= MISSED_BEAT_FACTOR;
    this.medianInterval = 0;
  }

  /** One SSF value `z` at sample `n`. */
  step(z: number, n: number): Detection {
    if (n < this.#learnUntil) {
      if (z > this.#learnMax) this.#learnMax = z;
      if (n + 1 === this.#learnUntil) this.#setReference(this.#learnMax);
      if (this.#threshold === 0) return Detection.None; // nothing learnt yet
    }
    // No beat for a long time: the amplitude dropped; let the threshold follow it down (e-fold per second).
    const silence = this.#lastBeat < 0 ? n - this.#learnUntil : n - this.#lastBeat;
    if (silence > LEARN_SECONDS * this.#rate) this.#threshold *= 1 - 1 / this.#rate;
    if (this.#inPeak) {
      if (z > this.#peakValue) {
        this.#peakValue = z;
        this.#peakAt = n;
      } else if (z < 0.5 * this.#peakValue || n - this.#peakAt > 0.3 * this.#rate) {
        this.#inPeak = false;
        return this.#beat(this.#peakAt, this.#peakValue);
      }
      return Detection.None;
    }
    const refractory = Math.max(this.#refractory, REFRACTORY_SHARE * this.medianInterval);
    if (z > this.#threshold && this.#threshold > 0 && (this.#lastBeat < 0 || n - this.#lastBeat >= refractory)) {
      this.#inPeak = true;
      this.#peakValue = z;
      this.#peakAt = n;
    }
    return Detection.None;
  }

  #beat(at: number, peak: number): Detection {
    const reference = this.#threshold * 2;
    if (peak > ARTIFACT_RATIO * reference) {
      this.artifactUntil = at + this.motionMargin;
      if (this.#artifactCount === 0) this.#artifactRunStart = at;
      this.#artifactRun[this.#artifactCount % RELEARN_AFTER] = peak;
      this.#artifactCount++;
      this.#add(at, false, peak);
      if (this.#artifactCount >= RELEARN_AFTER && at - this.#artifactRunStart >= RELEARN_SECONDS * this.#rate) {
        // The level really changed (e.g. the finger pressed harder): adopt it rather than stay deaf.
        this.#setReference(median(this.#artifactRun, RELEARN_AFTER, this.#scratch));
      }
      return Detection.Artifact;
    }
    this.#artifactCount = 0;
    const interval = this.#lastBeat < 0 ? 0 : at - this.#lastBeat;
    const clean = at > this.artifactUntil;
    this.#add(at, clean, peak);
    // Only clean beats at a plausible distance from the last one teach the threshold: a run of small noise
    // peaks accepted between beats must not drag it down until noise is all it sees, nor motion push it up.
    const m = this.medianInterval;
    if (clean && (m === 0 || (interval >= LOWER * m && interval <= UPPER * m))) {
      this.#refs[this.#refAt] = peak;
      this.#refAt = (this.#refAt + 1) % REFS;
      if (this.#refCount < REFS) this.#refCount++;
      this.#threshold = 0.5 * median(this.#refs, this.#refCount, this.#scratch);
    }
    return Detection.Beat;
  }

  /** Ring index of the beat `back` beats before the latest (0 = the latest). */
  index(back: number): number {
    return (this.head - 1 - back + 2 * this.capacity) % this.capacity;
  }

  #setReference(peak: number): void {
    this.#refs.fill(peak);
    this.#refCount = REFS;
    this.#threshold = 0.5 * peak;
    this.#artifactCount = 0;
  }

  #add(at: number, clean: boolean, peak: number): void {
    this.at[this.head] = at;
    this.clean[this.head] = clean ? 1 : 0;
    this.peak[this.head] = peak;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    this.#lastBeat = at;
  }
}
