// Batching trades latency for bytes: readings wait until `maxReadings` are collected or the oldest has
// waited `maxAgeMs`, whichever comes first, and then go out as one SenML pack (one MQTT PUBLISH, one
// PUBACK, one set of SenML base fields). Age is measured on the monotonic clock, so setting the wall clock
// (SNTP) never makes a batch early or late.

import type { Clock, TimerId } from "../platform/ports.js";

export interface BatchLimits {
  maxReadings: number;
  /** 0 flushes every item as it arrives. */
  maxAgeMs: number;
}

export interface BatcherOptions<T> extends BatchLimits {
  clock: Clock;
  /** Receives each batch, oldest item first. Called synchronously from add(), flush() or the age timer. */
  onFlush(items: T[]): void;
}

export class Batcher<T> {
  #clock: Clock;
  #onFlush: (items: T[]) => void;
  #limits: BatchLimits;
  #items: T[] = [];
  /** Tick count of each waiting item, parallel to #items. */
  #ticks: number[] = [];
  #timer: TimerId | undefined;
  /** When the armed timer fires (ticks). */
  #due = 0;
  #closed = false;

  constructor(options: BatcherOptions<T>) {
    this.#clock = options.clock;
    this.#onFlush = options.onFlush;
    this.#limits = Batcher.#check(options);
  }

  static #check(limits: BatchLimits): BatchLimits {
    if (!(Number.isInteger(limits.maxReadings) && limits.maxReadings >= 1)) throw new RangeError("batch maxReadings must be an integer >= 1");
    if (!(limits.maxAgeMs >= 0)) throw new RangeError("batch maxAgeMs must be >= 0");
    return { maxReadings: limits.maxReadings, maxAgeMs: limits.maxAgeMs };
  }

  /** Items waiting. */
  get size(): number {
    return this.#items.length;
  }

  /**
   * Adds an item taken at `ticks` (default: now). An item older than the clock (e.g. replayed from the
   * outbox) makes the batch due sooner, by its age.
   */
  add(item: T, ticks = this.#clock.ticks()): void {
    if (this.#closed) throw new Error("batcher is closed");
    this.#items.push(item);
    this.#ticks.push(ticks);
    this.#evaluate();
  }

  /** Sends what is waiting now (e.g. on connect or before sleeping). */
  flush(): void {
    this.#cancelTimer();
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.#ticks = [];
    this.#onFlush(items);
  }

  /** New limits apply at once: a batch that is already due under them goes out now. */
  configure(limits: BatchLimits): void {
    this.#limits = Batcher.#check(limits);
    this.#evaluate();
  }

  /** Releases the timer; waiting items are dropped from the batcher (the outbox still holds them). */
  close(): void {
    this.#closed = true;
    this.#cancelTimer();
    this.#items = [];
    this.#ticks = [];
  }

  #evaluate(): void {
    const { maxReadings, maxAgeMs } = this.#limits;
    while (this.#items.length >= maxReadings) {
      this.#cancelTimer();
      const batch = this.#items.splice(0, maxReadings);
      this.#ticks.splice(0, maxReadings);
      this.#onFlush(batch);
      if (this.#closed) return;
    }
    if (this.#items.length === 0) return this.#cancelTimer();
    const due = Math.min(...this.#ticks) + maxAgeMs;
    // Most adds join a batch whose oldest item, and so its deadline, is unchanged: the armed timer stands.
    if (this.#timer !== undefined && due === this.#due) return;
    this.#cancelTimer();
    const remaining = due - this.#clock.ticks();
    if (remaining <= 0) return this.flush();
    this.#due = due;
    this.#timer = this.#clock.set(() => {
      this.#timer = undefined;
      this.flush();
    }, remaining);
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) {
      this.#clock.clear(this.#timer);
      this.#timer = undefined;
    }
  }
}
