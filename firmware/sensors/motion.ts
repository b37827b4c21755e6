// Wrist motion from an accelerometer, for the heart-rate estimator: gravity tracked per axis (one-pole, 0.3 Hz)
// and removed, the rest low-passed at 5 Hz (the pulse band: faster vibration barely moves blood or sensor)
// and its energy averaged over ~0.5 s. Moving = that RMS above MOTION_G. State: MOTION_SIZE numbers of the
// owner's Float64Array from `at`, nothing allocated per sample.

/** RMS acceleration beyond gravity, 0.3..5 Hz, from which the wrist counts as moving (0.05 g: well above
 *  the sensor's noise, well below an arm swing of 0.3..1 g). */
export const MOTION_G = 0.05;
export const MOTION_SIZE = 10;
const GRAVITY = 0, BAND = 3, ENERGY = 6, GRAVITY_ALPHA = 7, BAND_ALPHA = 8, ENERGY_ALPHA = 9;

/** Start tracking at `rate` samples per second. */
export function startMotion(s: Float64Array, at: number, rate: number): void {
  s.fill(0, at, at + MOTION_SIZE);
  s[at + ENERGY] = -1; // no sample yet
  s[at + GRAVITY_ALPHA] = Math.min(1, (2 * Math.PI * 0.3) / rate);
  s[at + BAND_ALPHA] = Math.min(1, (2 * Math.PI * 5) / rate);
  s[at + ENERGY_ALPHA] = Math.min(1, 1 / (0.5 * rate));
}

/** One sample (g per axis); returns whether the wrist is moving. */
export function stepMotion(s: Float64Array, at: number, x: number, y: number, z: number): boolean {
  const g = at + GRAVITY, d = at + BAND;
  if (s[at + ENERGY] < 0) {
    s[g] = x;
    s[g + 1] = y;
    s[g + 2] = z;
    s[at + ENERGY] = 0;
  }
  const a = s[at + GRAVITY_ALPHA], b = s[at + BAND_ALPHA];
  s[g] += a * (x - s[g]);
  s[g + 1] += a * (y - s[g + 1]);
  s[g + 2] += a * (z - s[g + 2]);
  s[d] += b * (x - s[g] - s[d]);
  s[d + 1] += b * (y - s[g + 1] - s[d + 1]);
  s[d + 2] += b * (z - s[g + 2] - s[d + 2]);
  const e = s[d] * s[d] + s[d + 1] * s[d + 1] + s[d + 2] * s[d + 2];
  s[at + ENERGY] += s[at + ENERGY_ALPHA] * (e - s[at + ENERGY]);
  return s[at + ENERGY] >= MOTION_G * MOTION_G;
}
