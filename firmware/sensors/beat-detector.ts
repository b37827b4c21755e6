// Beat detection on the slope sum function (SSF, the sum of positive slopes of the filtered PPG over ~120 ms,
// after Zong et al. 2003), one sample at a time, into a ring of beats.
//
// A beat is the SSF's maximum after it crosses half the median of the last five beats' peaks, at least a
// refractory time (0.45 median intervals, never less than 60/312 s) after the previous beat. The first 2.5 s
// (one beat even at 25 bpm) only learn the level; learning it again later goes on detecting meanwhile. A
// peak above 3x the recent ones is motion: it is kept as an unclean beat and the half second around it is
// flagged. Only clean beats at a plausible distance from the previous one teach the threshold; a long
// silence lets it decay; a lasting new level (8 "artifacts" over 6 s) is adopted.
//
// Memory: scalars and arrays in the estimator's StateBuffer. Beat times are stored as samples since `base`, which moves on every 2^22 samples
// (11.6 h at 100/s), so Float32 holds them exactly.
import { FILTER_END } from "./biquad.js";
import { median } from "./median.js";
import { HEART_RATE_MAX_BPM } from "./physiological-limits.js";
import { offsets, type StateBuffer } from "./state-buffer.js";

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
const REBASE = 2 ** 22; // samples; beat times stay below 2^23 + REBASE < 2^24, exact in Float32

// Its scalars in the estimator's shared Float64Array (#s), after the band-pass filter's (state-buffer.ts).
const [
  RATE, // samples per second
  REFRACTORY, // shortest interval between beats, samples
  MOTION_MARGIN, // samples flagged around an artifact
  CAPACITY, // beats the ring holds
  COUNT, // beats in the ring
  HEAD, // ring index of the next beat
  ARTIFACT_UNTIL, // samples up to this one are flagged as motion (the estimator reads it every sample)
  MEDIAN_INTERVAL, // of the last window, set by the estimator (0 when unknown)
  LEARN_UNTIL, // the level is learnt until this sample,
  LEARN_MAX, // from the highest SSF until then
  THRESHOLD,
  IN_PEAK, // 1 while following a peak above the threshold:
  PEAK_VALUE, // its highest SSF so far
  PEAK_AT, // and where
  LAST_BEAT, // sample of the latest beat (-1: none yet)
  REF_COUNT, // peaks in the threshold history
  REF_AT, // where the next one goes
  ARTIFACT_COUNT, // artifact peaks in a row
  ARTIFACT_RUN_START, // where that run began
  BASE, // sample the ring's beat times count from
  F, // where its arrays start in #f
  DETECTOR_END, // where the next part's scalars start
] = offsets(FILTER_END);
export { ARTIFACT_UNTIL, DETECTOR_END };
// Arrays, from F in #f: threshold history, artifact run, then the ring (time since BASE, SSF peak with a
// negative sign for a beat during motion). Medians sort into the shared scratch at 0.
const F_REFS = 0, F_RUN = F_REFS + REFS, F_RING = F_RUN + RELEARN_AFTER;
/** Scratch (at the start of the shared floats) its medians need. */
export const DETECTOR_SCRATCH = RELEARN_AFTER;

/** What one step found. */
export const Detection = Object.freeze({ None: 0, Beat: 1, Artifact: 2 } as const);
export type Detection = (typeof Detection)[keyof typeof Detection];

export class BeatDetector {
  readonly #s: Float64Array;
  readonly #f: Float32Array;

  /** Ring capacity for `seconds` of beats: the most the refractory time lets through, and some. */
  static capacity(seconds: number): number {
    return Math.ceil((seconds * REFRACTORY_MARGIN * HEART_RATE_MAX_BPM) / 60) + 4;
  }

  /** Floats it takes from a StateBuffer (on top of its scalars). */
  static floats(capacity: number): number {
    return F_RING + 2 * capacity;
  }

  constructor(memory: StateBuffer, sampleRate: number, capacity: number) {
    const s = (this.#s = memory.scalars);
    this.#f = memory.floats;
    s.fill(0, RATE, DETECTOR_END);
    s[F] = memory.reserve(BeatDetector.floats(capacity));
    s[RATE] = sampleRate;
    s[CAPACITY] = capacity;
    // Shorter than the fastest plausible beat, so that a faster rhythm is measured (and then refused as
    // implausible) instead of being clipped to just below the limit.
    s[REFRACTORY] = Math.round((60 / (REFRACTORY_MARGIN * HEART_RATE_MAX_BPM)) * sampleRate);
    s[MOTION_MARGIN] = Math.round(MOTION_MARGIN_SECONDS * sampleRate);
    s[ARTIFACT_UNTIL] = -1;
    s[LAST_BEAT] = -1;
  }

  /** Beats in the ring. */
  get count(): number {
    return this.#s[COUNT];
  }

  /** Samples flagged around an artifact. */
  get motionMargin(): number {
    return this.#s[MOTION_MARGIN];
  }

  /** The median beat interval of the last window, samples (0 when unknown): the refractory time follows it,
   *  and only beats at a plausible distance from the previous one teach the threshold. */
  learnInterval(samples: number): void {
    this.#s[MEDIAN_INTERVAL] = samples;
  }

  /** Ring index of the beat `back` beats before the latest (0 = the latest). */
  index(back: number): number {
    const capacity = this.#s[CAPACITY];
    return (this.#s[HEAD] - 1 - back + 2 * capacity) % capacity;
  }

  /** Sample index of the beat at ring index `k`. */
  time(k: number): number {
    return this.#f[this.#s[F] + F_RING + 2 * k] + this.#s[BASE];
  }

  /** SSF peak of the beat at ring index `k`. */
  peak(k: number): number {
    return Math.abs(this.#f[this.#s[F] + F_RING + 2 * k + 1]);
  }

  /** The beat at ring index `k` was found away from motion. */
  clean(k: number): boolean {
    return this.#f[this.#s[F] + F_RING + 2 * k + 1] > 0;
  }

  /** Forget the beats and the level; learn again from sample `n`. */
  restart(n: number): void {
    const s = this.#s;
    this.relearn(n);
    s[LAST_BEAT] = -1;
    s[REF_COUNT] = 0;
    s[THRESHOLD] = 0;
    s[ARTIFACT_COUNT] = 0;
    s[COUNT] = 0;
    s[ARTIFACT_UNTIL] = -1;
    s[BASE] = n;
  }

  /** Learn the level again from sample `n`, keeping the beats found so far and finding more meanwhile with
   *  the old level (a gap of several seconds would keep the windows invalid). */
  relearn(n: number): void {
    const s = this.#s;
    s[LEARN_UNTIL] = n + Math.round(LEARN_SECONDS * s[RATE]);
    s[LEARN_MAX] = 0;
    s[IN_PEAK] = 0;
    s[MEDIAN_INTERVAL] = 0;
  }

  /** Motion (seen by an accelerometer) from sample `from` until sample `until`: beats found from `from` on
   *  are not clean, nor any found up to `until`. */
  flagMotion(from: number, until: number): void {
    const s = this.#s;
    const f = this.#f;
    if (until > s[ARTIFACT_UNTIL]) s[ARTIFACT_UNTIL] = until;
    const ring = s[F] + F_RING;
    for (let back = 0; back < s[COUNT]; back++) {
      const k = this.index(back);
      if (f[ring + 2 * k] + s[BASE] < from) break;
      f[ring + 2 * k + 1] = -Math.abs(f[ring + 2 * k + 1]);
    }
  }

  /** The estimator found the beats at a multiple of the signal's period: beats below the threshold are being
   *  missed. Lower it, and forget the (too long) median interval that sets the refractory time. */
  missingBeats(): void {
    const s = this.#s;
    const f = this.#f;
    for (let i = 0; i < REFS; i++) f[s[F] + F_REFS + i] *= MISSED_BEAT_FACTOR;
    s[THRESHOLD] *= MISSED_BEAT_FACTOR;
    s[MEDIAN_INTERVAL] = 0;
  }

  /** One SSF value `z` at sample `n`. Scalars are read into locals once (typed-array access is dear on XS). */
  step(z: number, n: number): Detection {
    const s = this.#s;
    const learnUntil = s[LEARN_UNTIL];
    let threshold = s[THRESHOLD];
    if (n < learnUntil) {
      if (z > s[LEARN_MAX]) s[LEARN_MAX] = z;
      if (n + 1 === learnUntil) {
        this.setReference(s[LEARN_MAX]);
        threshold = s[THRESHOLD];
      }
      if (threshold === 0) return Detection.None; // nothing learnt yet
    }
    // No beat for a long time: the amplitude dropped; let the threshold follow it down (e-fold per second).
    const rate = s[RATE];
    const last = s[LAST_BEAT];
    if ((last < 0 ? n - learnUntil : n - last) > LEARN_SECONDS * rate) {
      threshold *= 1 - 1 / rate;
      s[THRESHOLD] = threshold;
    }
    if (s[IN_PEAK]) {
      const value = s[PEAK_VALUE];
      if (z > value) {
        s[PEAK_VALUE] = z;
        s[PEAK_AT] = n;
      } else if (z < 0.5 * value || n - s[PEAK_AT] > 0.3 * rate) {
        s[IN_PEAK] = 0;
        return this.beat(s[PEAK_AT], value);
      }
      return Detection.None;
    }
    if (z > threshold && threshold > 0) {
      const share = REFRACTORY_SHARE * s[MEDIAN_INTERVAL];
      const refractory = share > s[REFRACTORY] ? share : s[REFRACTORY];
      if (last < 0 || n - last >= refractory) {
        s[IN_PEAK] = 1;
        s[PEAK_VALUE] = z;
        s[PEAK_AT] = n;
      }
    }
    return Detection.None;
  }

  private beat(at: number, peak: number): Detection {
    const s = this.#s;
    const f = this.#f;
    const reference = s[THRESHOLD] * 2;
    if (peak > ARTIFACT_RATIO * reference) {
      s[ARTIFACT_UNTIL] = at + s[MOTION_MARGIN];
      if (s[ARTIFACT_COUNT] === 0) s[ARTIFACT_RUN_START] = at;
      f[s[F] + F_RUN + (s[ARTIFACT_COUNT] % RELEARN_AFTER)] = peak;
      s[ARTIFACT_COUNT]++;
      this.add(at, false, peak);
      if (s[ARTIFACT_COUNT] >= RELEARN_AFTER && at - s[ARTIFACT_RUN_START] >= RELEARN_SECONDS * s[RATE]) {
        // The level really changed (e.g. the finger pressed harder): adopt it rather than stay deaf.
        this.setReference(median(f, s[F] + F_RUN + RELEARN_AFTER, f, s[F] + F_RUN));
      }
      return Detection.Artifact;
    }
    s[ARTIFACT_COUNT] = 0;
    const interval = s[LAST_BEAT] < 0 ? 0 : at - s[LAST_BEAT];
    const clean = at > s[ARTIFACT_UNTIL];
    this.add(at, clean, peak);
    // Only clean beats at a plausible distance from the last one teach the threshold: a run of small noise
    // peaks accepted between beats must not drag it down until noise is all it sees, nor motion push it up.
    const m = s[MEDIAN_INTERVAL];
    if (clean && (m === 0 || (interval >= LOWER * m && interval <= UPPER * m))) {
      const refs = s[F] + F_REFS;
      f[refs + s[REF_AT]] = peak;
      s[REF_AT] = (s[REF_AT] + 1) % REFS;
      if (s[REF_COUNT] < REFS) s[REF_COUNT]++;
      s[THRESHOLD] = 0.5 * median(f, refs + s[REF_COUNT], f, refs);
    }
    return Detection.Beat;
  }

  private setReference(peak: number): void {
    const s = this.#s;
    this.#f.fill(peak, s[F] + F_REFS, s[F] + F_REFS + REFS);
    s[REF_COUNT] = REFS;
    s[THRESHOLD] = 0.5 * peak;
    s[ARTIFACT_COUNT] = 0;
  }

  private add(at: number, clean: boolean, peak: number): void {
    const s = this.#s;
    const f = this.#f;
    const ring = s[F] + F_RING;
    while (at - s[BASE] >= 2 * REBASE) {
      // Keep stored times small enough for Float32: move the origin on (older beats go negative, unused).
      s[BASE] += REBASE;
      for (let k = 0; k < s[CAPACITY]; k++) f[ring + 2 * k] -= REBASE;
    }
    const head = s[HEAD];
    f[ring + 2 * head] = at - s[BASE];
    f[ring + 2 * head + 1] = clean ? peak : -peak;
    s[HEAD] = (head + 1) % s[CAPACITY];
    if (s[COUNT] < s[CAPACITY]) s[COUNT]++;
    s[LAST_BEAT] = at;
  }
}
