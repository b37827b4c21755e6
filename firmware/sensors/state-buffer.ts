// The heart-rate estimator keeps all its numbers in one ArrayBuffer: a typed array costs the XS heap a few
// slots on top of its bytes, and a number in an object field a whole slot (firmware/sensors/README.md,
// "Memory"). Its parts share two views of it: a Float64Array of scalars and a Float32Array for their rings
// and arrays. The Float32Array starts with scratch shared by whoever needs it for the moment: the window
// analysis (once per window) and the beat detector's medians (once per beat), which never run at the same
// time; each part's arrays follow, from an offset it keeps among its scalars.
//
// Each part names its scalars once, in a list whose order is their order in the Float64Array
// (`const [RATE, THRESHOLD, ..., END] = offsets(after)`), and starts where the part before it ends: the
// band-pass filter (biquad.ts) at 0, then the beat detector, the pulse trace, and the estimator's own with
// the motion tracker's at its end (heart-rate.ts). Module constants, not getters: on XS an accessor call
// costs three times a typed-array read, and these are read on every sample.

/** Offsets `from`, `from + step`, ... to name by destructuring: `const [A, B, END] = offsets(10)` makes
 *  A 10, B 11 and END 12, where whatever comes next starts. */
export function* offsets(from: number, step = 1): Generator<number, never> {
  for (let at = from; ; at += step) yield at;
}

export class StateBuffer {
  /** Every part's scalars. */
  readonly scalars: Float64Array;
  /** Scratch from 0, then every part's arrays. */
  readonly floats: Float32Array;
  #next: number;

  /** `scalars` numbers for the parts' scalars; `scratch` shared floats, then `reserved` more for the parts
   *  to reserve(). */
  constructor(scalars: number, scratch: number, reserved: number) {
    const buffer = new ArrayBuffer(8 * scalars + 4 * (scratch + reserved));
    this.scalars = new Float64Array(buffer, 0, scalars);
    this.floats = new Float32Array(buffer, 8 * scalars, scratch + reserved);
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
