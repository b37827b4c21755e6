// The resolution each reading goes out at: what the measurement can vouch for and what clinicians chart,
// no finer (docs/telemetry.md, "Precision"). A value is rounded once, when it is taken, so the outbox, the
// alarms, the alerts and the telemetry all carry the same number; times are rounded when a batch is built.
//   Heart rate: whole beats per minute. NEWS2 charts pulse in whole bpm and monitors display it so; the
//     estimate is the mean over an 8 s window, so a tenth of a beat per minute would be noise.
//   Temperature: 0.1 C. The TMP117 and the MAX30205 are accurate to +-0.1 C around body temperature (their
//     LSBs, 1/128 and 1/256 C, are finer than that); NEWS2 and clinical thermometers read 0.1 C.
//   Time: whole seconds. A heart-rate reading stands for the 8 s window that ends at its time, and a
//     TMP117 conversion is up to one 1 s cycle old when it is read: finer time stamps would claim more.
// In SenML CBOR these become small integers (bpm, seconds) and decimal fractions (36.6 C is 6 bytes, not a
// 9-byte float64), see senml.ts.

import type { ReadingKind } from "../common/vital-signs.js";

/** Steps per unit: 1 bpm, 1/10 C. */
export const STEPS: Record<ReadingKind, number> = { hr: 1, temp: 10 };

/** `value` at its kind's resolution. Division by the step count (not multiplication by 0.1) gives the
 *  double nearest to the decimal, the same number JSON.parse("36.6") gives. */
export function atResolution(kind: ReadingKind, value: number): number {
  const steps = STEPS[kind];
  return Math.round(value * steps) / steps;
}

/** Milliseconds since the epoch to the whole second that time stamps go out at. */
export function wholeSecondMs(ms: number): number {
  return Math.round(ms / 1000) * 1000;
}
