// The Clock port on the Moddable runtime: Time.ticks (monotonic ms), Date.now (set by SNTP on the device;
// the host's clock in the simulator) and one-shot Timers.
import Time from "time";
import Timer from "timer";
import type { Clock } from "../ports.js";
import { CLOCK_SET_AFTER_MS } from "../ecma419/tls-failure.js";

export const moddableClock: Clock = {
  ticks: () => Time.ticks,
  wallTime() {
    const now = Date.now();
    return now < CLOCK_SET_AFTER_MS ? undefined : now; // still at the 1970 boot value: no SNTP yet
  },
  // The callback itself, not a wrapper: a closure per timer would cost RAM (it gets the Timer as an
  // argument, which the port's callbacks ignore).
  set: (callback, milliseconds) => Timer.set(callback, milliseconds),
  clear: (id) => Timer.clear(id as Timer),
};
