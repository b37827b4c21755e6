// The heap meter's trace lines (firmware/platform/moddable/heap-meter.ts), read back on the host.
//   heap: <ticks ms> chunk <bytes> slot <bytes>

/** The esp32 build's creation (manifest.json): its slots and its chunk heap's bytes. */
export const ESP32_CREATION = { slots: 4928, chunk: 78848 } as const;

/** Bytes per XS slot: 32 on lin (64-bit), 16 on esp32. Slot counts compare across the two. */
export const LIN_SLOT_BYTES = 32;

export interface HeapSample {
  /** Monotonic milliseconds (Time.ticks). */
  ticks: number;
  chunk: number;
  slot: number;
}

export function parseHeapLine(line: string): HeapSample | undefined {
  const m = /heap: (\d+) chunk (\d+) slot (\d+)/.exec(line);
  return m ? { ticks: Number(m[1]), chunk: Number(m[2]), slot: Number(m[3]) } : undefined;
}

export const heapBytes = (s: HeapSample): number => s.chunk + s.slot;
export const slotCount = (s: HeapSample): number => s.slot / LIN_SLOT_BYTES;

/** The median of the last `n` samples (each after a forced collection), lin bytes: the steady heap. */
export function steadyBytes(samples: HeapSample[], n: number): number {
  const last = samples.slice(-n).map(heapBytes).sort((x, y) => x - y);
  return last[Math.floor(last.length / 2)] ?? 0;
}
