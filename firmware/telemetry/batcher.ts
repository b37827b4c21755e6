// Batching trades latency for bytes: readings wait until `maxReadings` are collected or the oldest has
// waited `maxAgeMs`, whichever comes first, and then go out as one SenML pack (one MQTT PUBLISH, one
// PUBACK, one set of SenML base fields). Age is measured on the monotonic clock, so setting the wall clock
// (SNTP) never makes a batch early or late.
//
// The readings themselves wait in the outbox, in order: the batcher keeps only what its decision needs
// (how many wait, when the oldest was taken) and the newest item, which marks how far a release reaches.
// No list per reading: RAM stays the same whatever the batch size.

import { CodedError } from "../mqtt/common/coded-error.js";
import type { Clock, TimerId } from "../platform/ports.js";

export interface BatchLimits {
  maxReadings: number;
  /** 0 flushes every item as it arrives. */
  maxAgeMs: number;
}

export interface BatcherOptions<T> extends BatchLimits {
  clock: Clock;
  /** onFlush's `this` (so it can be a shared function rather than a closure). */
  target?: unknown;
  /** A batch is due: everything up to `last` (the newest item added), `count` items. Called synchronously
   *  from add(), flush(), configure() or the age timer, with `target` as `this`. */
  onFlush(this: unknown, last: T, count: number): void;
}

export class Batcher<T> {
  #clock: Clock;
  #onFlush: (this: unknown, last: T, count: number) => void;
  #target: unknown;
  #limits: BatchLimits;
  #count = 0;
  #last: T | undefined;
  /** Tick count of the oldest waiting item. */
  #oldest = 0;
  #timer: TimerId | undefined;
  /** When the armed timer fires (ticks). */
  #due = 0;
  #closed = false;
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.flush();
  };

  constructor(options: BatcherOptions<T>) {
    this.#clock = options.clock;
    this.#onFlush = options.onFlush;
    this.#target = options.target;
    this.#limits = Batcher.#check(options);
  }

  static #check(limits: BatchLimits): BatchLimits {
    if (!(Number.isInteger(limits.maxReadings) && limits.maxReadings >= 1)) throw new RangeError("batch maxReadings must be an integer >= 1");
    if (!(limits.maxAgeMs >= 0)) throw new RangeError("batch maxAgeMs must be >= 0");
    return { maxReadings: limits.maxReadings, maxAgeMs: limits.maxAgeMs };
  }

  /** Items waiting. */
  get size(): number {
    return this.#count;
  }

  /**
   * Adds an item taken at `ticks` (default: now). An item older than the clock (e.g. replayed from the
   * outbox) makes the batch due sooner, by its age.
   */
  add(item: T, ticks = this.#clock.ticks()): void {
    if (this.#closed) throw new CodedError("closed", "batcher is closed");
    if (this.#count === 0 || ticks < this.#oldest) this.#oldest = ticks;
    this.#count++;
    this.#last = item;
    this.evaluate();
  }

  /** Sends what is waiting now (e.g. on connect or before sleeping). */
  flush(): void {
    this.cancelTimer();
    if (this.#count === 0) return;
    const last = this.#last as T;
    const count = this.#count;
    this.#count = 0;
    this.#last = undefined;
    this.#onFlush.call(this.#target, last, count);
  }

  /** New limits apply at once: a batch that is already due under them goes out now. */
  configure(limits: BatchLimits): void {
    this.#limits = Batcher.#check(limits);
    this.evaluate();
  }

  /** Releases the timer; waiting items are dropped from the batcher (the outbox still holds them). */
  close(): void {
    this.#closed = true;
    this.cancelTimer();
    this.#count = 0;
    this.#last = undefined;
  }

  private evaluate(): void {
    if (this.#count === 0) return this.cancelTimer();
    const { maxReadings, maxAgeMs } = this.#limits;
    if (this.#count >= maxReadings) return this.flush();
    const due = this.#oldest + maxAgeMs;
    // Most adds join a batch whose oldest item, and so its deadline, is unchanged: the armed timer stands.
    if (this.#timer !== undefined && due === this.#due) return;
    this.cancelTimer();
    const remaining = due - this.#clock.ticks();
    if (remaining <= 0) return this.flush();
    this.#due = due;
    this.#timer = this.#clock.set(this.#onTimer, remaining);
  }

  private cancelTimer(): void {
    if (this.#timer !== undefined) {
      this.#clock.clear(this.#timer);
      this.#timer = undefined;
    }
  }
}
