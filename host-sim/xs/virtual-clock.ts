// A clock port whose time moves only when told: timers fire in deadline order as time is advanced, so
// XS runs (and their meters) do not depend on the speed of the machine.
import type { Clock, TimerId } from "../../firmware/platform/ports.js";

interface Timer {
  id: number;
  due: number;
  callback: () => void;
}

export class VirtualClock implements Clock {
  private now = 0;
  private nextId = 1;
  private timers: Timer[] = [];

  constructor(private readonly wallOrigin: number | undefined = Date.UTC(2026, 0, 1)) {}

  ticks(): number {
    return this.now;
  }

  wallTime(): number | undefined {
    return this.wallOrigin === undefined ? undefined : this.wallOrigin + this.now;
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

  /** Move time forward by `milliseconds`, firing every timer that falls due, earliest first. */
  advance(milliseconds: number): void {
    const end = this.now + milliseconds;
    for (;;) {
      const next = this.timers.reduce<Timer | undefined>((a, b) => (!a || b.due < a.due ? b : a), undefined);
      if (!next || next.due > end) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.now = next.due;
      next.callback();
    }
    this.now = end;
  }
}
