// The lin simulator's clock, faithful to the board's: the simulator's Date.now() is the host's, always set,
// but an ESP32 powers on at 1970 and knows the time only once SNTP answered. Here the wall clock is unset
// until setWallTime() (the firmware's SNTP, network/time-sync.ts) and runs on Time.ticks from there. The
// manifest maps the module "platform/moddable/wall-clock" to this file on lin.
import Time from "time";
import type { Clock, TimerId } from "../ports.js";
import { moddableClock } from "../../mqtt/platform/moddable/clock.js";

class SimulatedClock implements Clock {
  /** Wall time minus ticks, once set. */
  #offset: number | undefined;
  ticks(): number {
    return Time.ticks;
  }
  wallTime(): number | undefined {
    return this.#offset === undefined ? undefined : Time.ticks + this.#offset;
  }
  setWallTime(milliseconds: number): void {
    this.#offset = milliseconds - Time.ticks;
  }
  set(callback: () => void, milliseconds: number): TimerId {
    return moddableClock.set(callback, milliseconds);
  }
  clear(id: TimerId): void {
    moddableClock.clear(id);
  }
}

export function deviceClock(): Clock {
  trace("clock: simulated; unset until SNTP answers, as on the board\n");
  return new SimulatedClock();
}
