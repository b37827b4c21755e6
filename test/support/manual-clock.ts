// A Clock whose time moves only when a test says so: keepalive, timeouts and backoff become exact and
// independent of machine load.
import type { Clock, TimerId } from "../../firmware/platform/ports.js";

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

export class ManualClock implements Clock {
  private now = 0;
  private nextId = 1;
  private timers: Timer[] = [];
  /** Every delay passed to set(), in order (to check backoff schedules). */
  readonly delays: number[] = [];

  ticks(): number {
    return this.now;
  }

  wallTime(): number | undefined {
    return 1_700_000_000_000 + this.now;
  }

  set(callback: () => void, milliseconds: number): TimerId {
    const timer = { id: this.nextId++, at: this.now + Math.max(0, milliseconds), callback };
    this.timers.push(timer);
    this.delays.push(milliseconds);
    return timer.id;
  }

  clear(id: TimerId): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.timers.length;
  }

  /** When the earliest pending timer fires, or undefined. */
  nextAt(): number | undefined {
    let at: number | undefined;
    for (const t of this.timers) if (at === undefined || t.at < at) at = t.at;
    return at;
  }

  /** Move time forward, firing due timers in order (timers set while firing fire too if due). */
  advance(milliseconds: number): void {
    const end = this.now + milliseconds;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers) if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.now = next.at;
      next.callback();
    }
    this.now = end;
  }
}
