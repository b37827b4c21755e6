// Applying partial settings: a key given as undefined keeps its current value (so `{...options}` spreads
// with missing fields never wipe a configuration).

export function applySettings<T extends object>(current: T, changes: Partial<T>): T {
  const next = { ...current };
  for (const key in changes) {
    const value = changes[key];
    if (value !== undefined) next[key] = value as T[typeof key];
  }
  return next;
}
