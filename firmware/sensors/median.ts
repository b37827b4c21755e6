// Median without allocation: insertion sort of a copy into a caller-owned scratch array (the counts here are
// a few dozen beats at most).

/** Median of values[from..end), sorted into scratch[0..end - from) (which may be the same array as values
 *  when that part lies before `from`). */
export function median(values: ArrayLike<number>, end: number, scratch: Float32Array, from: number): number {
  const n = end - from;
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
