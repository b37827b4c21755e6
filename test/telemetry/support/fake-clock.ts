// A manual Clock port: time moves only when a test calls advance(), and due timers fire in order.
import type { Clock, TimerId } from "../../../firmware/platform/ports.js";

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  #ticks: number;
  /** Wall time minus ticks, or undefined while the wall clock is unset. */
  #offset: number | undefined;
  #timers: Timer[] = [];
  #nextId = 1;

  constructor(ticks = 1_000, wall?: number) {
    this.#ticks = ticks;
    this.#offset = wall === undefined ? undefined : wall - ticks;
  }
  ticks(): number {
    return this.#ticks;
  }
  wallTime(): number | undefined {
    return this.#offset === undefined ? undefined : this.#ticks + this.#offset;
  }
  /** Sets the wall clock, as SNTP does. */
  setWallTime(ms: number): void {
    this.#offset = ms - this.#ticks;
  }
  set(callback: () => void, milliseconds: number): TimerId {
    const timer = { id: this.#nextId++, at: this.#ticks + Math.max(0, milliseconds), callback };
    this.#timers.push(timer);
    return timer.id;
  }
  clear(id: TimerId): void {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }
  get pendingTimers(): number {
    return this.#timers.length;
  }
  advance(ms: number): void {
    const end = this.#ticks + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.#timers) if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#ticks = Math.max(this.#ticks, next.at);
      next.callback();
    }
    this.#ticks = end;
  }
}
