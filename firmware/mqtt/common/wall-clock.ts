// The one rule for "the wall clock is set": a device boots with its clock at the epoch (1970) and keeps
// counting from there until SNTP sets it; a clock that reads before 2023-01-03 has never been set. The same
// limit as the Moddable SDK's own network setup (build/devices/esp32/setup/network.js in the SDK), and
// comfortably past SenML's threshold for absolute times (2^28 s, 1978; RFC 8428 section 4.5.3).
import type { Clock } from "../../platform/ports.js";

/** Wall-clock milliseconds below which the clock has never been set (2023-01-03). */
export const CLOCK_SET_AFTER_MS = 1_672_722_071_000;

/** Whether `milliseconds` since the epoch can be a set clock's reading. */
export function isClockSet(milliseconds: number | undefined): milliseconds is number {
  return milliseconds !== undefined && milliseconds >= CLOCK_SET_AFTER_MS;
}

/** The wall time in ms, or undefined while the clock is unset (undefined from the port, or before 2023). */
export function knownWallTime(clock: Clock): number | undefined {
  const wall = clock.wallTime();
  return isClockSet(wall) ? wall : undefined;
}
