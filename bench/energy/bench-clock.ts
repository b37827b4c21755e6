// The energy bench's clock (the Clock port): virtual time that runs with real time while the wearable has
// network work in flight (a TLS handshake, a packet waiting for its answer, bytes held in the link), and jumps
// to the next timer when it has none. So an hour of the wearable's schedule runs in seconds, while every
// exchange with the broker runs for real, and takes the time it takes on the link.
//
// Every timer callback is a CPU wake-up on the device (the drain of the sensor FIFO, sampling, batching, the
// client's keep alive, the network's deadlines, the upload schedule): counted.
import type { Clock, TimerId } from "../../firmware/platform/ports.js";

interface Timer {
  id: number;
  due: number;
  callback: () => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const turn = () => new Promise((resolve) => setImmediate(resolve));

export class BenchClock implements Clock {
  #now = 0;
  /** Wall time minus ticks; undefined while unset (a board powers on without the time). */
  #wallOffset: number | undefined;
  #timers: Timer[] = [];
  #nextId = 1;
  /** Timer callbacks run since the start: the device's CPU wake-ups. */
  wakeups = 0;

  ticks(): number {
    return this.#now;
  }

  wallTime(): number | undefined {
    return this.#wallOffset === undefined ? undefined : this.#now + this.#wallOffset;
  }

  setWallTime(milliseconds: number): void {
    this.#wallOffset = milliseconds - this.#now;
  }

  set(callback: () => void, milliseconds: number): TimerId {
    const timer = { id: this.#nextId++, due: this.#now + Math.max(0, milliseconds), callback };
    // Kept in deadline order (ties: the order they were set).
    let at = this.#timers.length;
    while (at > 0 && this.#timers[at - 1].due > timer.due) at--;
    this.#timers.splice(at, 0, timer);
    return timer.id;
  }

  clear(id: TimerId): void {
    const at = this.#timers.findIndex((t) => t.id === id);
    if (at >= 0) this.#timers.splice(at, 1);
  }

  /** Runs until virtual time `end`: with real time while `busy()`, else straight to the next timer. */
  async runUntil(end: number, busy: () => boolean): Promise<void> {
    let last = performance.now();
    while (this.#now < end) {
      if (busy()) {
        await sleep(2);
        const now = performance.now();
        this.advanceTo(Math.min(end, this.#now + (now - last)));
        last = now;
      } else {
        this.advanceTo(Math.min(end, this.#timers[0]?.due ?? end));
        await turn(); // what the timers started (a socket, a datagram) gets its first events
        last = performance.now();
      }
    }
  }

  /** Fires every timer due by `to`, in order, with the time at its deadline. */
  private advanceTo(to: number): void {
    for (;;) {
      const next = this.#timers[0];
      if (!next || next.due > to) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.due);
      this.wakeups++;
      next.callback();
    }
    this.#now = Math.max(this.#now, to);
  }
}
