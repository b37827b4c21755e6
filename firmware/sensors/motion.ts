// Wrist motion from an accelerometer, for the heart-rate estimator: gravity tracked per axis (one-pole, 0.3 Hz)
// and removed, the rest low-passed at 5 Hz (the pulse band: faster vibration barely moves blood or sensor)
// and its energy averaged over ~0.5 s. Moving = that RMS above MOTION_G. State: MOTION_SIZE numbers of the
// owner's Float64Array from `at`, nothing allocated per sample.
import { offsets } from "./state-buffer.js";

/** RMS acceleration beyond gravity, 0.3..5 Hz, from which the wrist counts as moving (0.05 g: well above
 *  the sensor's noise, well below an arm swing of 0.3..1 g). */
const MOTION_G = 0.05;
// Its numbers, from `at`: gravity and the band-passed rest per axis, the mean energy (-1 before the first
// sample), the three one-pole coefficients.
const [GX, GY, GZ, DX, DY, DZ, ENERGY, GRAVITY_ALPHA, BAND_ALPHA, ENERGY_ALPHA, MOTION_SIZE] = offsets(0);
export { MOTION_SIZE };

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
  const gx = at + GX, gy = at + GY, gz = at + GZ, dx = at + DX, dy = at + DY, dz = at + DZ;
  if (s[at + ENERGY] < 0) {
    s[gx] = x;
    s[gy] = y;
    s[gz] = z;
    s[at + ENERGY] = 0;
  }
  const a = s[at + GRAVITY_ALPHA], b = s[at + BAND_ALPHA];
  s[gx] += a * (x - s[gx]);
  s[gy] += a * (y - s[gy]);
  s[gz] += a * (z - s[gz]);
  s[dx] += b * (x - s[gx] - s[dx]);
  s[dy] += b * (y - s[gy] - s[dy]);
  s[dz] += b * (z - s[gz] - s[dz]);
  const e = s[dx] * s[dx] + s[dy] * s[dy] + s[dz] * s[dz];
  s[at + ENERGY] += s[at + ENERGY_ALPHA] * (e - s[at + ENERGY]);
  return s[at + ENERGY] >= MOTION_G * MOTION_G;
}
