// The heart-rate estimator keeps all its numbers in one ArrayBuffer: a typed array costs the XS heap a few
// slots on top of its bytes, and a number in an object field a whole slot (firmware/sensors/README.md,
// "Memory"). Its parts share two views of it: a Float64Array of scalars, each part at a fixed place (below),
// and a Float32Array for their rings and arrays, each part from an offset it keeps among its scalars. The
// Float32Array starts with scratch shared by whoever needs it for the moment: the window analysis (once per
// window) and the beat detector's medians (once per beat), which never run at the same time.

// Where each part keeps its scalars in the shared Float64Array (test/sensors/heart-rate-memory.test.ts
// checks that every part stays inside its place).
export const FILTER_SCALARS = 0; // biquad.ts: the estimator's band-pass, two sections at fixed places
export const DETECTOR_SCALARS = 14; // beat-detector.ts: 21
export const TRACE_SCALARS = 35; // pulse-trace.ts: 9
export const ESTIMATOR_SCALARS = 44; // heart-rate.ts: its own 18, motion 10
export const SCALARS = 44 + 18 + 10;

export class StateBuffer {
  /** Every part's scalars. */
  readonly scalars: Float64Array;
  /** Scratch from 0, then every part's arrays. */
  readonly floats: Float32Array;
  #next: number;

  /** `scratch` shared floats, then `reserved` more for the parts to reserve(). */
  constructor(scratch: number, reserved: number) {
    const buffer = new ArrayBuffer(8 * SCALARS + 4 * (scratch + reserved));
    this.scalars = new Float64Array(buffer, 0, SCALARS);
    this.floats = new Float32Array(buffer, 8 * SCALARS, scratch + reserved);
    this.#next = scratch;
  }

  /** Offset in `floats` of `count` numbers of one's own. */
  reserve(count: number): number {
    const at = this.#next;
    this.#next += count;
    if (this.#next > this.floats.length) throw new RangeError("StateBuffer: more reserved than sized");
    return at;
  }
}
