// Median without allocation: insertion sort of a copy into a caller-owned scratch array (the counts here are
// a few dozen beats at most).

/** Median of values[from..count). */
export function median(values: ArrayLike<number>, count: number, scratch: Float64Array, from = 0): number {
  const n = count - from;
  for (let i = 0; i < n; i++) {
    const v = values[from + i];
    let j = i - 1;
    while (j >= 0 && scratch[j] > v) {
      scratch[j + 1] = scratch[j];
      j--;
    }
    scratch[j + 1] = v;
  }
  const mid = n >> 1;
  return n & 1 ? scratch[mid] : (scratch[mid - 1] + scratch[mid]) / 2;
}
