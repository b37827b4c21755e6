// Readings carry the monotonic tick count at sampling and, when the wall clock is already set, the wall
// time. A reading taken before SNTP set the clock is stamped later from the ticks:
//   wallTime = nowWall - (nowTicks - readingTicks)
// which is exact as long as both tick counts are from the same boot. Readings replayed from the outbox
// after a reboot that were never stamped have ticks from a previous boot, which mean nothing now; all we
// know is that they were taken before this boot, so they get the boot's wall time as a best estimate and
// are counted (status "estimatedTimes"), rather than being dropped or sent without a time.

import { knownWallTime } from "../common/wall-clock.js";
import type { Clock } from "../platform/ports.js";
import type { Reading } from "./reading.js";

/** The wall time of an event `readingTicks` on the same monotonic clock as `nowTicks`. */
export function wallTimeAt(readingTicks: number, nowTicks: number, nowWall: number): number {
  return nowWall - (nowTicks - readingTicks);
}

export class Stamper {
  #clock: Clock;
  #bootSeq: number;
  #bootTicks: number;
  #estimated = new Set<number>();

  /**
   * `bootSeq`: the first outbox sequence number of this boot (Outbox.bootSeq); records below it come from
   * before the restart. `bootTicks`: the tick count at boot (default: now).
   */
  constructor(clock: Clock, bootSeq: number, bootTicks = clock.ticks()) {
    this.#clock = clock;
    this.#bootSeq = bootSeq;
    this.#bootTicks = bootTicks;
  }

  /** Readings from a previous boot stamped with the boot time because they had no wall time. */
  get estimatedTimes(): number {
    return this.#estimated.size;
  }

  /** Wall time (ms) now, or undefined while the clock is unset. */
  now(): number | undefined {
    return knownWallTime(this.#clock);
  }

  /** The reading's wall time in ms since the epoch, or undefined while it cannot be known yet. */
  timeOf(reading: Reading, seq: number): number | undefined {
    if (reading.time !== undefined) return reading.time;
    const wall = knownWallTime(this.#clock);
    if (wall === undefined) return undefined;
    const ticks = this.#clock.ticks();
    if (seq >= this.#bootSeq) return wallTimeAt(reading.ticks, ticks, wall);
    this.#estimated.add(seq);
    return wallTimeAt(this.#bootTicks, ticks, wall);
  }
}
