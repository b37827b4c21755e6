// Beat-to-beat intervals of one analysis window, oldest first, in values[at..end) of a Float32Array whose
// first elements serve as the median's scratch: how scattered they are, and where a new rhythm starts when
// the rate changed within the window. Allocation-free.
import { LOWER } from "./beat-detector.js";
import { median } from "./median.js";

/** Up to this x the median interval, a group of intervals counts as one beat-to-beat interval (a
 *  compensatory pause after a premature beat reaches ~1.45). */
export const UPPER_SINGLE = 1.55;
const REGIME_MIN = 4; // intervals a new rhythm needs at the end of the window, and the old one before it
const REGIME_FIT = 0.2; // each of them within this of their median
const REGIME_BEFORE = 0.1; // the old ones regular too (scatter): a rhythm that changed, not noise

/** Mean relative deviation of values[from..end) from `m`: a pulse gives 0.01..0.05, premature beats or
 *  atrial fibrillation 0.1..0.2, peaks found in noise 0.2..0.6. */
export function scatter(values: ArrayLike<number>, from: number, end: number, m: number): number {
  let sum = 0;
  for (let i = from; i < end; i++) sum += Math.abs(values[i] / m - 1);
  return sum / (end - from);
}

/** Index of the first interval of the longest run at the end whose intervals agree with each other and
 *  differ from the (at least as many, themselves regular) before it so much that, counted against their
 *  median, they would pass for spurious peaks (shorter than LOWER x) or missed beats (longer than
 *  UPPER_SINGLE x): the rate stepped within the window. Smaller changes are counted right as they are. The
 *  run must last `minimum` (the intervals' unit) or more. `at` when there is none. */
export function recentRegime(values: Float32Array, at: number, end: number, minimum: number): number {
  let run = 0;
  for (let i = at + REGIME_MIN; i < end; i++) run += values[i];
  // The run only gets shorter as its start moves forward.
  for (let from = at + REGIME_MIN; from <= end - REGIME_MIN && run >= minimum; from++) {
    const recent = median(values, end, values, from);
    if (agree(values, from, end, recent)) {
      const before = median(values, from, values, at);
      const ratio = recent / before;
      if ((ratio < LOWER || ratio > UPPER_SINGLE) && scatter(values, at, from, before) <= REGIME_BEFORE) return from;
    }
    run -= values[from];
  }
  return at;
}

function agree(values: ArrayLike<number>, from: number, end: number, m: number): boolean {
  for (let i = from; i < end; i++) if (Math.abs(values[i] / m - 1) > REGIME_FIT) return false;
  return true;
}
