// The device's clock: Time.ticks, Date.now() (counting from 1970 at power-on until SNTP sets it with
// Time.set) and Timers (clock.ts). On lin the manifest maps this module to wall-clock-simulated.ts, whose
// wall clock starts unset as the board's does.
import type { Clock } from "../ports.js";
import { moddableClock } from "../../mqtt/platform/moddable/clock.js";

export function deviceClock(): Clock {
  if (moddableClock.wallTime() === undefined) trace("clock: unset until SNTP answers; readings keep their boot time until then\n");
  return moddableClock;
}
