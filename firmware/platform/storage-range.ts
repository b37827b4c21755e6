// The byte range a ranged Storage.read (ports.ts) answers, shared by every binding so they agree on the
// edge cases: a range past the end is cut at the end (so it may be empty), a bad position or count is a
// RangeError (a caller's bug, never data on flash).

/** [start, end) of the bytes to return from a file of `size` bytes. */
export function storageRange(size: number, position = 0, count?: number): [number, number] {
  if (!(Number.isInteger(position) && position >= 0)) throw new RangeError(`invalid storage read position ${position}`);
  if (count !== undefined && !(Number.isInteger(count) && count >= 0)) throw new RangeError(`invalid storage read count ${count}`);
  const start = Math.min(position, size);
  return [start, count === undefined ? size : Math.min(size, start + count)];
}
