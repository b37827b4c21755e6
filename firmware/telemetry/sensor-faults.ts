// Sensor-fault limits (docs/telemetry.md, "Alarms"): a heart rate outside 25..250 bpm or a body temperature outside
// 30..45 C is not physiology but a loose sensor, motion or a bad fit. Such readings are neither stored nor
// alarmed on; the app counts them as sensor faults. The limits themselves live with the sensors, which
// also size the beat detector from them.
import {
  BODY_TEMPERATURE_MAX_C,
  BODY_TEMPERATURE_MIN_C,
  HEART_RATE_MAX_BPM,
  HEART_RATE_MIN_BPM,
} from "../sensors/physiological-limits.js";
import type { ReadingKind } from "../common/vital-signs.js";

export const PLAUSIBLE: Record<ReadingKind, { min: number; max: number }> = {
  hr: { min: HEART_RATE_MIN_BPM, max: HEART_RATE_MAX_BPM },
  temp: { min: BODY_TEMPERATURE_MIN_C, max: BODY_TEMPERATURE_MAX_C },
};

export function isPlausible(kind: ReadingKind, value: number): boolean {
  const range = PLAUSIBLE[kind];
  return Number.isFinite(value) && value >= range.min && value <= range.max;
}
