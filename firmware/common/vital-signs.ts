// What the sensors and the telemetry share: the kinds of reading, and the two ways a sensor hands one over
// (polled by the sampler, or pushed as it is made). Here, below both, so neither imports the other.

export type ReadingKind = "hr" | "temp";

/** Every kind, in a fixed order: the stored form's kind codes and the sampler's state follow it. Frozen, so
 *  XS keeps it in flash with the preloaded module, not in RAM. */
export const READING_KINDS: readonly ReadingKind[] = Object.freeze(["hr", "temp"]);

/** One vital sign's current value, or undefined when there is none now (no finger, still settling). The
 *  sampler polls it every interval: for a value that is fresh at each read (a temperature conversion). */
export type VitalSource = () => number | undefined;

/** Where a vital sign that makes its own readings pushes each one, once (the heart-rate estimator: one
 *  estimate per window step). The telemetry app is one. */
export interface VitalSink {
  /** A reading of `kind` taken at `ticks` on the app's monotonic clock (e.g. when its window ended). */
  offer(kind: ReadingKind, value: number, ticks: number): void;
}
