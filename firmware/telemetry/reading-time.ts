// The true time of every reading, including those taken before the wall clock was set.
//
// A reading taken while the clock is unset is stored with its boot (the first sequence number of the boot,
// never reused) and the milliseconds since this boot began (monotonic ticks from an origin taken at start, so
// they fit the stored u32 for 49 days whatever the platform's tick origin: the simulator's Time.ticks counts
// from 1970). Once SNTP sets the clock, the boot's offset (wall time - boot milliseconds) is known, and such a
// reading's time is offset + its boot milliseconds: exact, since ticks and wall time run on the same
// oscillator. The offset is kept on storage (file `anchors`, written atomically) for
// the last few boots, so readings of an earlier boot whose clock was set before it ended get their true
// time after a reboot too. A reading of a boot that never learned its offset (power lost before SNTP ever
// answered) can never be given a true time: it is never sent with a made-up one (see the uplink: it goes as
// an untimed record, with its boot and its ticks, counted in status).
//
// File `anchors`: "TA" u8 count, count x (boot u32, offset f64), CRC-32 of what precedes (big-endian).
import { asError } from "../mqtt/common/as-error.js";
import { knownWallTime } from "../mqtt/common/wall-clock.js";
import type { Clock, Storage } from "../platform/ports.js";
import { crc32 } from "./crc32.js";
import type { StoredReading } from "./reading.js";

const FILE = "anchors";
/** Boots whose offsets are kept: readings older than that many boots without a wall time are untimed. */
const KEPT = 8;
const ENTRY = 12;
/** A resync that moves the offset by more than this is written down (drift below it is not worth a write). */
const REWRITE_MS = 1000;

export class ReadingTimes {
  /** This boot: the outbox's first sequence number of the boot. */
  readonly boot: number;
  readonly #clock: Clock;
  readonly #storage: Storage;
  readonly #errors: { error(error: Error): void } | undefined;
  /** Boot i's first seq at [2i] and its offset at [2i + 1], oldest first (at most KEPT): one array. */
  readonly #anchors = new Float64Array(2 * KEPT);
  #count = 0;
  /** This boot's offset as last written, or NaN before the clock was set. */
  #written = Number.NaN;
  /** The clock's ticks when this boot began (when this was made). */
  readonly #origin: number;

  /** `errors`: told when the anchors cannot be written (the app). */
  constructor(clock: Clock, storage: Storage, boot: number, errors?: { error(error: Error): void }) {
    this.#clock = clock;
    this.#storage = storage;
    this.boot = boot;
    this.#origin = clock.ticks();
    this.#errors = errors;
    this.load();
  }

  /** Stamps a reading taken at `ticks` (this boot's monotonic clock): wall time when the clock is set. */
  stamp(reading: StoredReading, ticks: number): void {
    const offset = this.currentOffset();
    if (offset === undefined) {
      reading.time = undefined;
      reading.boot = this.boot;
      reading.ticks = Math.max(0, ticks - this.#origin) >>> 0;
    } else {
      reading.time = offset + (ticks - this.#origin);
      reading.boot = reading.ticks = 0;
    }
  }

  /** The reading's wall time in ms, or undefined while it is not known (yet, or ever: see lost()). */
  timeOf(reading: StoredReading): number | undefined {
    if (reading.time !== undefined) return reading.time;
    const offset = reading.boot === this.boot ? this.currentOffset() : this.offsetOf(reading.boot);
    return offset === undefined ? undefined : offset + reading.ticks;
  }

  /** A reading of an earlier boot that never learned its clock offset: its time can never be known. */
  lost(reading: StoredReading): boolean {
    return reading.time === undefined && reading.boot !== this.boot && this.offsetOf(reading.boot) === undefined;
  }

  /** This boot's offset (wall - boot milliseconds), written down the first time it is known and when it moves. */
  private currentOffset(): number | undefined {
    const wall = knownWallTime(this.#clock);
    if (wall === undefined) return undefined;
    const offset = wall - (this.#clock.ticks() - this.#origin);
    if (!(Math.abs(offset - this.#written) <= REWRITE_MS)) this.anchor(offset);
    return offset;
  }

  private offsetOf(boot: number): number | undefined {
    for (let i = 0; i < this.#count; i++) if (this.#anchors[2 * i] === boot) return this.#anchors[2 * i + 1];
    return undefined;
  }

  private anchor(offset: number): void {
    this.#written = offset;
    let i = 0;
    while (i < this.#count && this.#anchors[2 * i] !== this.boot) i++;
    if (i === this.#count) {
      if (this.#count === KEPT) {
        this.#anchors.copyWithin(0, 2);
        i = KEPT - 1;
      } else this.#count++;
    }
    this.#anchors[2 * i] = this.boot;
    this.#anchors[2 * i + 1] = offset;
    const out = new Uint8Array(3 + this.#count * ENTRY + 4);
    const view = new DataView(out.buffer);
    out[0] = 0x54; // "T"
    out[1] = 0x41; // "A"
    out[2] = this.#count;
    for (let k = 0; k < this.#count; k++) {
      view.setUint32(3 + k * ENTRY, this.#anchors[2 * k]);
      view.setFloat64(7 + k * ENTRY, this.#anchors[2 * k + 1]);
    }
    view.setUint32(out.length - 4, crc32(out, 0, out.length - 4));
    try {
      this.#storage.write(FILE, out);
    } catch (error) {
      // Kept in RAM for this boot; only a reboot before the next write would leave its early readings untimed.
      this.#errors?.error(asError(error));
    }
  }

  private load(): void {
    let buffer: ArrayBuffer | undefined;
    try {
      buffer = this.#storage.read(FILE);
    } catch {
      return;
    }
    if (buffer === undefined) return;
    const bytes = new Uint8Array(buffer);
    const count = bytes[2];
    const length = 3 + count * ENTRY + 4;
    if (bytes.length !== length || bytes[0] !== 0x54 || bytes[1] !== 0x41 || count > KEPT) return; // damaged: no anchors
    const view = new DataView(buffer);
    if (view.getUint32(length - 4) !== crc32(bytes, 0, length - 4)) return;
    for (let k = 0; k < count; k++) {
      this.#anchors[2 * k] = view.getUint32(3 + k * ENTRY);
      this.#anchors[2 * k + 1] = view.getFloat64(7 + k * ENTRY);
    }
    this.#count = count;
  }
}
