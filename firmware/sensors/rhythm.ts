// Beat-to-beat intervals of one analysis window, oldest first, in values[at..end) of a Float32Array whose
// first elements serve as the median's scratch: how scattered they are, and where a new rhythm starts when
// the rate changed within the window. Allocation-free.
import { median } from "./median.js";

const REGIME_MIN = 4; // intervals a new rhythm needs at the end of the window
const REGIME_FIT = 0.2; // each of them within this of their median
const REGIME_CHANGE = 0.3; // and their median this far from that of the intervals before
const REGIME_BEFORE = 0.1; // which are regular themselves (scatter): a rhythm that changed, not noise

/** Mean relative deviation of values[from..end) from `m`: a pulse gives 0.01..0.05, premature beats or
 *  atrial fibrillation 0.1..0.2, peaks found in noise 0.2..0.6. */
export function scatter(values: ArrayLike<number>, from: number, end: number, m: number): number {
  let sum = 0;
  for (let i = from; i < end; i++) sum += Math.abs(values[i] / m - 1);
  return sum / (end - from);
}

/** Index of the first interval of the longest run at the end whose intervals agree with each other and
 *  differ from the (at least two, themselves regular) before it: the rate stepped within the window. The
 *  run must last `minimum` (the intervals' unit) or more. `at` when there is none. */
export function recentRegime(values: Float32Array, at: number, end: number, minimum: number): number {
  let run = 0;
  for (let i = at + 2; i < end; i++) run += values[i];
  // The run only gets shorter as its start moves forward.
  for (let from = at + 2; from <= end - REGIME_MIN && run >= minimum; from++) {
    const recent = median(values, end, values, from);
    if (agree(values, from, end, recent)) {
      const before = median(values, from, values, at);
      if (Math.abs(recent / before - 1) >= REGIME_CHANGE && scatter(values, at, from, before) <= REGIME_BEFORE) return from;
    }
    run -= values[from];
  }
  return at;
}

function agree(values: ArrayLike<number>, from: number, end: number, m: number): boolean {
  for (let i = from; i < end; i++) if (Math.abs(values[i] / m - 1) > REGIME_FIT) return false;
  return true;
}
