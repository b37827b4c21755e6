// Sampling: readings from power-on, whatever the network and the clock do. Polled sources are read every
// interval (one timer for every kind, set for the earliest deadline, with a callback made once: no closure
// per tick); pushed readings (the heart-rate estimator's, one per window step) are kept at most one per
// interval. A value outside what a body can show is a sensor fault (counted, never stored); a plausible one
// goes at its kind's resolution (precision.ts) to the owner, which stores it before anything else happens.
import { READING_KINDS, type ReadingKind, type VitalSink, type VitalSource } from "../common/vital-signs.js";
import type { Clock, TimerId } from "../platform/ports.js";
import { asError } from "../mqtt/common/as-error.js";
import { atResolution } from "./precision.js";
import { isPlausible } from "./sensor-faults.js";

/** Where readings go (the app): stores one taken at `ticks`; false when it could not be stored. Errors of the
 *  sensors go to error(). */
export interface ReadingStore {
  record(kind: ReadingKind, value: number, ticks: number): boolean;
  error(error: Error): void;
}

export interface SamplerOptions {
  clock: Clock;
  /** Polled sources; a kind without one can be pushed with offer(). */
  sensors: Partial<Record<ReadingKind, VitalSource>>;
  intervals: Record<ReadingKind, number>;
  store: ReadingStore;
}

/** A pushed reading's time comes from its sensor's sample count, so one interval on the sensor's clock may
 *  measure slightly less on the app's (a FIFO is read up to a sample late): this much is forgiven. */
const OFFER_TOLERANCE_MS = 100;
const NONE = -1;
// Fields of a kind in the state array.
const INTERVAL = 0;
const DUE = 1;
const OFFER = 2;

/** A kind's place in READING_KINDS (and so in the state array). */
const index = (kind: ReadingKind): number => (kind === "hr" ? 0 : 1);

export class Sampler implements VitalSink {
  readonly #sensors: Partial<Record<ReadingKind, VitalSource>>;
  readonly #store: ReadingStore;
  readonly #clock: Clock;
  /** Per kind (READING_KINDS order): interval, next poll in ticks (NONE: not polled), ticks of the last pushed reading
   *  kept (at most one per interval). One array, not an object per kind: RAM on the device. */
  readonly #state = new Float64Array(3 * READING_KINDS.length);
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
    this.#sensors = options.sensors;
    this.#store = options.store;
    this.#clock = options.clock;
    this.setIntervals(options.intervals);
    for (let k = 0; k < READING_KINDS.length; k++) {
      this.#state[k * 3 + DUE] = NONE;
      this.#state[k * 3 + OFFER] = -Infinity;
    }
  }

  start(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    this.reschedule();
  }

  /** New intervals take effect now: each polled kind is next read one new interval from now. */
  configure(intervals: Record<ReadingKind, number>): void {
    const changed = intervals.hr !== this.interval(0) || intervals.temp !== this.interval(1);
    this.setIntervals(intervals);
    if (this.#running && changed) this.reschedule();
  }

  close(): void {
    this.#running = false;
    this.#closed = true;
    for (let k = 0; k < READING_KINDS.length; k++) this.#state[k * 3 + DUE] = NONE;
    this.arm();
  }

  /** Takes one reading from the polled source now (the timer calls this; also for on-demand readings, even
   *  before start()). Nothing after close(). */
  sample(kind: ReadingKind): void {
    const source = this.#sensors[kind];
    if (!source || this.#closed) return;
    let value: number | undefined;
    try {
      value = source();
    } catch (error) {
      this.faults++;
      this.#store.error(asError(error));
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
    const k = index(kind);
    if (ticks - this.#state[k * 3 + OFFER] < this.interval(k) - OFFER_TOLERANCE_MS) return;
    try {
      if (this.take(kind, value, ticks)) this.#state[k * 3 + OFFER] = ticks;
    } catch (error) {
      this.#store.error(asError(error));
    }
  }

  private interval(k: number): number {
    return this.#state[k * 3 + INTERVAL];
  }

  private setIntervals(intervals: Record<ReadingKind, number>): void {
    for (let k = 0; k < READING_KINDS.length; k++) this.#state[k * 3 + INTERVAL] = intervals[READING_KINDS[k]];
  }

  /** A plausible value goes to the store at its resolution; false when refused or not stored. */
  private take(kind: ReadingKind, raw: number, ticks: number): boolean {
    if (!isPlausible(kind, raw)) {
      this.faults++;
      return false;
    }
    return this.#store.record(kind, atResolution(kind, raw), ticks);
  }

  private reschedule(): void {
    const now = this.#clock.ticks();
    for (let k = 0; k < READING_KINDS.length; k++) this.#state[k * 3 + DUE] = this.#sensors[READING_KINDS[k]] ? now + this.interval(k) : NONE;
    this.arm();
  }

  private fire(): void {
    const now = this.#clock.ticks();
    for (let k = 0; k < READING_KINDS.length; k++) {
      const due = this.#state[k * 3 + DUE];
      if (due === NONE || now < due) continue;
      this.#state[k * 3 + DUE] = now + this.interval(k); // first, so nothing a sample throws can stop the sampling
      try {
        this.sample(READING_KINDS[k]);
      } catch (error) {
        this.#store.error(asError(error));
      }
    }
    this.arm();
  }

  /** The one timer, set for the earliest deadline. */
  private arm(): void {
    if (this.#timer !== undefined) this.#clock.clear(this.#timer);
    this.#timer = undefined;
    let at = NONE;
    for (let k = 0; k < READING_KINDS.length; k++) {
      const due = this.#state[k * 3 + DUE];
      if (due !== NONE && (at === NONE || due < at)) at = due;
    }
    if (at !== NONE && this.#running) this.#timer = this.#clock.set(this.#onTimer, Math.max(0, at - this.#clock.ticks()));
  }
}
