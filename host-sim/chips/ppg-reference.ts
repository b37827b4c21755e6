// Reference heart rate of a window from beat times (ECG R-peaks of a recording, or a synthetic signal's
// own beats): the mean rate over the window, 60 x (beats - 1) / (last - first), as an ECG monitor and
// the IEEE SPC 2015 scoring compute it. Pure: the XS host bundles it with the synthetic source.

/** Mean heart rate (bpm) over the beats in [from, to) of the ascending `beats` (s); NaN with fewer than 2. */
export function meanHeartRate(beats: ArrayLike<number>, from: number, to: number): number {
  let first = -1, last = -1, count = 0;
  for (let i = 0; i < beats.length; i++) {
    const t = beats[i];
    if (t < from || t >= to) continue;
    if (first < 0) first = t;
    last = t;
    count++;
  }
  return count < 2 ? Number.NaN : (60 * (count - 1)) / (last - first);
}
