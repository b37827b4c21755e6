// The Clock port on the Moddable runtime: Time.ticks (monotonic ms), Date.now (set by SNTP on the device;
// the host's clock in the simulator) and one-shot Timers.
import Time from "time";
import Timer from "timer";
import type { Clock } from "../../../platform/ports.js";
import { isClockSet } from "../../common/wall-clock.js";

export const moddableClock: Clock = {
  ticks: () => Time.ticks,
  wallTime() {
    const now = Date.now();
    return isClockSet(now) ? now : undefined; // still counting from the 1970 boot value: no SNTP yet
  },
  // Whole seconds: the resolution of the device's system time as Time.set takes it (and of reading times).
  setWallTime: (milliseconds) => Time.set(Math.round(milliseconds / 1000)),
  // The callback itself, not a wrapper: a closure per timer would cost RAM (it gets the Timer as an
  // argument, which the port's callbacks ignore).
  set: (callback, milliseconds) => Timer.set(callback, milliseconds),
  clear: (id) => Timer.clear(id as Timer),
};
