// Beat-to-beat intervals of one analysis window, oldest first: how scattered they are, and where a new
// rhythm starts when the rate changed within the window. Allocation-free: the caller owns the scratch.
import { median } from "./median.js";

const REGIME_MIN = 4; // intervals a new rhythm needs at the end of the window
const REGIME_FIT = 0.2; // each of them within this of their median
const REGIME_CHANGE = 0.3; // and their median this far from that of the intervals before
const REGIME_BEFORE = 0.1; // which are regular themselves (scatter): a rhythm that changed, not noise

/** Mean relative deviation of intervals[from..count) from `m`: a pulse gives 0.01..0.05, premature beats or
 *  atrial fibrillation 0.1..0.2, peaks found in noise 0.2..0.6. */
export function scatter(intervals: ArrayLike<number>, from: number, count: number, m: number): number {
  let sum = 0;
  for (let i = from; i < count; i++) sum += Math.abs(intervals[i] / m - 1);
  return sum / (count - from);
}

/** Index of the first interval of the longest run at the end whose intervals agree with each other and
 *  differ from the (at least two, themselves regular) before it: the rate stepped within the window. The run
 *  must last `minimum` (the intervals' unit) or more. 0 when there is none. */
export function recentRegime(intervals: ArrayLike<number>, count: number, minimum: number, scratch: Float64Array): number {
  let run = 0;
  for (let i = 2; i < count; i++) run += intervals[i];
  // The run only gets shorter as its start moves forward.
  for (let from = 2; from <= count - REGIME_MIN && run >= minimum; from++) {
    const recent = median(intervals, count, scratch, from);
    if (agree(intervals, from, count, recent)) {
      const before = median(intervals, from, scratch);
      if (Math.abs(recent / before - 1) >= REGIME_CHANGE && scatter(intervals, 0, from, before) <= REGIME_BEFORE) return from;
    }
    run -= intervals[from];
  }
  return 0;
}

function agree(intervals: ArrayLike<number>, from: number, count: number, m: number): boolean {
  for (let i = from; i < count; i++) if (Math.abs(intervals[i] / m - 1) > REGIME_FIT) return false;
  return true;
}
