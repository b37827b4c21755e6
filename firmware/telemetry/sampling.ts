// Sampling: readings from power-on, whatever the network and the clock do. Polled sources are read every
// interval (one timer for every kind, set for the earliest deadline, with a callback made once: no closure
// per tick); pushed readings (the heart-rate estimator's, one per window step) are kept at most one per
// interval. A value outside what a body can show is a sensor fault (counted, never stored); a plausible one
// goes at its kind's resolution (precision.ts) to the owner, which stores it before anything else happens.
import type { ReadingKind, VitalSink, VitalSource } from "../common/vital-signs.js";
import type { Clock, TimerId } from "../platform/ports.js";
import { asError } from "../mqtt/common/as-error.js";
import { atResolution } from "./precision.js";
import { isPlausible } from "./sensor-faults.js";

/** Where readings go (the app): stores one taken at `ticks`; false when it could not be stored. */
export interface ReadingStore {
  record(kind: ReadingKind, value: number, ticks: number): boolean;
}

export interface SamplerOptions {
  clock: Clock;
  /** Polled sources; a kind without one can be pushed with offer(). */
  sensors: Partial<Record<ReadingKind, VitalSource>>;
  intervals: Record<ReadingKind, number>;
  store: ReadingStore;
  onError(error: Error): void;
}

/** A pushed reading's time comes from its sensor's sample count, so one interval on the sensor's clock may
 *  measure slightly less on the app's (a FIFO is read up to a sample late): this much is forgiven. */
const OFFER_TOLERANCE_MS = 100;
const KINDS: readonly ReadingKind[] = ["hr", "temp"];
const NONE = -1;

export class Sampler implements VitalSink {
  readonly #options: SamplerOptions;
  readonly #clock: Clock;
  #intervals: Record<ReadingKind, number>;
  /** Next poll per kind, in ticks (NONE: not polled). */
  readonly #due: Record<ReadingKind, number> = { hr: NONE, temp: NONE };
  /** Ticks of the last pushed reading kept, per kind (at most one per interval). */
  readonly #lastOffer: Record<ReadingKind, number> = { hr: -Infinity, temp: -Infinity };
  #timer: TimerId | undefined;
  /** Polling and pushed readings on (start() to close()). */
  #running = false;
  #closed = false;
  /** Readings refused as sensor faults (implausible values, sensor errors). */
  faults = 0;
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.fire();
  };

  constructor(options: SamplerOptions) {
    this.#options = options;
    this.#clock = options.clock;
    this.#intervals = { ...options.intervals };
  }

  start(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    this.reschedule();
  }

  /** New intervals take effect now: each polled kind is next read one new interval from now. */
  configure(intervals: Record<ReadingKind, number>): void {
    const changed = intervals.hr !== this.#intervals.hr || intervals.temp !== this.#intervals.temp;
    this.#intervals = { ...intervals };
    if (this.#running && changed) this.reschedule();
  }

  close(): void {
    this.#running = false;
    this.#closed = true;
    this.#due.hr = this.#due.temp = NONE;
    this.arm();
  }

  /** Takes one reading from the polled source now (the timer calls this; also for on-demand readings, even
   *  before start()). Nothing after close(). */
  sample(kind: ReadingKind): void {
    const source = this.#options.sensors[kind];
    if (!source || this.#closed) return;
    let value: number | undefined;
    try {
      value = source();
    } catch (error) {
      this.faults++;
      this.#options.onError(asError(error));
      return;
    }
    if (value !== undefined) this.take(kind, value, this.#clock.ticks());
  }

  /**
   * A pushed reading (VitalSink), kept unless one of its kind was kept less than the kind's interval before
   * it: the interval is "at most one reading per interval", so a source that makes a reading every 2 s with
   * hrIntervalMs 5000 has every third one kept. Nothing before start() or after close(). Never throws: the
   * source is the sensor loop.
   */
  offer(kind: ReadingKind, value: number, ticks: number): void {
    if (!this.#running) return;
    if (ticks - this.#lastOffer[kind] < this.#intervals[kind] - OFFER_TOLERANCE_MS) return;
    try {
      if (this.take(kind, value, ticks)) this.#lastOffer[kind] = ticks;
    } catch (error) {
      this.#options.onError(asError(error));
    }
  }

  /** A plausible value goes to the store at its resolution; false when refused or not stored. */
  private take(kind: ReadingKind, raw: number, ticks: number): boolean {
    if (!isPlausible(kind, raw)) {
      this.faults++;
      return false;
    }
    return this.#options.store.record(kind, atResolution(kind, raw), ticks);
  }

  private reschedule(): void {
    const now = this.#clock.ticks();
    for (const kind of KINDS) this.#due[kind] = this.#options.sensors[kind] ? now + this.#intervals[kind] : NONE;
    this.arm();
  }

  private fire(): void {
    const now = this.#clock.ticks();
    for (const kind of KINDS) {
      if (this.#due[kind] === NONE || now < this.#due[kind]) continue;
      this.#due[kind] = now + this.#intervals[kind]; // first, so nothing a sample throws can stop the sampling
      try {
        this.sample(kind);
      } catch (error) {
        this.#options.onError(asError(error));
      }
    }
    this.arm();
  }

  /** The one timer, set for the earliest deadline. */
  private arm(): void {
    if (this.#timer !== undefined) this.#clock.clear(this.#timer);
    this.#timer = undefined;
    let at = NONE;
    for (const kind of KINDS) if (this.#due[kind] !== NONE && (at === NONE || this.#due[kind] < at)) at = this.#due[kind];
    if (at !== NONE && this.#running) this.#timer = this.#clock.set(this.#onTimer, Math.max(0, at - this.#clock.ticks()));
  }
}
