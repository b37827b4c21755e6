// Sensor-fault limits (design.md section 6): a heart rate outside 25..250 bpm or a body temperature outside
// 30..45 C is not physiology but a loose sensor, motion or a bad fit. Such readings are neither stored nor
// alarmed on; the app counts them as sensor faults.
import type { ReadingKind } from "./reading.js";

export const PLAUSIBLE: Record<ReadingKind, { min: number; max: number }> = {
  hr: { min: 25, max: 250 },
  temp: { min: 30, max: 45 },
};

export function isPlausible(kind: ReadingKind, value: number): boolean {
  const range = PLAUSIBLE[kind];
  return Number.isFinite(value) && value >= range.min && value <= range.max;
}
