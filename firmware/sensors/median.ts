// Median without allocation: insertion sort of a copy into a caller-owned scratch array (the counts here are
// a few dozen beats at most).

export function median(values: ArrayLike<number>, count: number, scratch: Float64Array): number {
  for (let i = 0; i < count; i++) {
    const v = values[i];
    let j = i - 1;
    while (j >= 0 && scratch[j] > v) {
      scratch[j + 1] = scratch[j];
      j--;
    }
    scratch[j + 1] = v;
  }
  const mid = count >> 1;
  return count & 1 ? scratch[mid] : (scratch[mid - 1] + scratch[mid]) / 2;
}
