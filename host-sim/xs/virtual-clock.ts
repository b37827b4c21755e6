// A clock port whose time moves only when told: timers fire in deadline order as time is advanced, so
// XS runs (and their meters) and unit tests do not depend on the speed of the machine.
import type { Clock, TimerId } from "../../firmware/platform/ports.js";

interface Timer {
  id: number;
  due: number;
  callback: () => void;
}

export class VirtualClock implements Clock {
  private now: number;
  /** Wall time minus ticks, or undefined while the wall clock is unset. */
  private wallOffset: number | undefined;
  private nextId = 1;
  private timers: Timer[] = [];

  /** `wallOrigin`: wall time at the start, or null for a clock not yet set (as before SNTP). */
  constructor(wallOrigin: number | null = Date.UTC(2026, 0, 1), startTicks = 0) {
    this.now = startTicks;
    this.wallOffset = wallOrigin === null ? undefined : wallOrigin - startTicks;
  }

  ticks(): number {
    return this.now;
  }

  wallTime(): number | undefined {
    return this.wallOffset === undefined ? undefined : this.now + this.wallOffset;
  }

  /** Sets the wall clock, as SNTP does. */
  setWallTime(milliseconds: number): void {
    this.wallOffset = milliseconds - this.now;
  }

  set(callback: () => void, milliseconds: number): TimerId {
    const timer = { id: this.nextId++, due: this.now + Math.max(0, milliseconds), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clear(id: TimerId): void {
    this.timers = this.timers.filter((timer) => timer.id !== id);
  }

  /** Number of timers waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** When the earliest waiting timer is due, or undefined when none is set. */
  nextAt(): number | undefined {
    return this.earliest()?.due;
  }

  /** Move time forward by `milliseconds`, firing every timer that falls due, earliest first (ties: first set). */
  advance(milliseconds: number): void {
    this.advanceTo(this.now + milliseconds);
  }

  /** Move time forward to `end` (ticks), firing every timer due by then, each with the time at its deadline. */
  advanceTo(end: number): void {
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > end) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.now = next.due;
      this.fire(next.callback);
    }
    this.now = end;
  }

  /** Runs a timer's callback (a subclass counts them). */
  protected fire(callback: () => void): void {
    callback();
  }

  private earliest(): Timer | undefined {
    return this.timers.reduce<Timer | undefined>((a, b) => (!a || b.due < a.due ? b : a), undefined);
  }
}
