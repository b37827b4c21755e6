// The heap meter's trace lines (firmware/platform/moddable/heap-meter.ts), read back on the host.
//   heap: <ticks ms> chunk <bytes> slot <bytes>

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
