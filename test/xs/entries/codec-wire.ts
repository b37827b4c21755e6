// Shared by the codec's XS entry and its test: packets cross the bridge with their byte fields as
// ArrayBuffers, and outcomes carry a thrown error's class, code and section so both sides compare.

/** Turn the ArrayBuffers the bridge delivers back into the Uint8Arrays the packet types use. */
export function fromWire(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(fromWire);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = fromWire(field);
    return out;
  }
  return value;
}

export type Outcome<T> = { value: T } | { error: { name: string; code?: string; section?: string; message: string } };

export function outcomeOf<T>(run: () => T): Outcome<T> {
  try {
    return { value: run() };
  } catch (error) {
    const e = error as Error & { code?: string; section?: string };
    return { error: { name: e.name, code: e.code, section: e.section, message: e.message } };
  }
}
