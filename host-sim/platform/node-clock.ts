// The Clock port over Node: monotonic ticks from performance.now(), wall time from Date.now() unless a
// test pins it (e.g. to model a device before SNTP, or a clock far in the future), timers from setTimeout.
import { performance } from "node:perf_hooks";
import type { Clock, TimerId } from "../../firmware/platform/ports.js";

export class NodeClock implements Clock {
  /** undefined = follow Date.now(); null = clock unset (no SNTP yet); a number = pinned wall time base. */
  private wallOverride: number | null | undefined;
  private wallPinnedAt = 0;

  ticks(): number {
    return performance.now();
  }

  wallTime(): number | undefined {
    if (this.wallOverride === undefined) return Date.now();
    if (this.wallOverride === null) return undefined;
    return this.wallOverride + (performance.now() - this.wallPinnedAt);
  }

  /** Pin the wall clock (it keeps running from there), `null` to make it unset, `undefined` to follow the host. */
  setWallTime(milliseconds: number | null | undefined): void {
    this.wallOverride = milliseconds;
    this.wallPinnedAt = performance.now();
  }

  set(callback: () => void, milliseconds: number): TimerId {
    return setTimeout(callback, Math.max(0, milliseconds));
  }

  clear(id: TimerId): void {
    clearTimeout(id as ReturnType<typeof setTimeout>);
  }
}
