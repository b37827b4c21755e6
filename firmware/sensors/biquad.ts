// Second-order IIR sections (RBJ audio-EQ cookbook, Butterworth Q = 1/sqrt 2), transposed direct form II, in
// a Float64Array (double precision for a 0.5 Hz corner at 100 samples/s): a section is BIQUAD_SIZE numbers
// from `at` (coefficients b0 b1 b2 a1 a2, state z1 z2). The per-sample step runs the two sections at the
// start of the estimator's shared array (state-buffer.ts) in series at constant indices: on XS an index
// computed from an offset costs as much again as the access.
import { offsets } from "./state-buffer.js";

const [B0, B1, B2, A1, A2, Z1, Z2, BIQUAD_SIZE] = offsets(0);
/** Where cascadeStep() wants its first and second section; the estimator's next scalars start at FILTER_END. */
export const [FIRST_SECTION, SECOND_SECTION, FILTER_END] = offsets(0, BIQUAD_SIZE);
// Their numbers' indices, computed once (XS would add offsets again at every access).
const F_B0 = FIRST_SECTION + B0, F_B1 = FIRST_SECTION + B1, F_B2 = FIRST_SECTION + B2, F_A1 = FIRST_SECTION + A1;
const F_A2 = FIRST_SECTION + A2, F_Z1 = FIRST_SECTION + Z1, F_Z2 = FIRST_SECTION + Z2;
const G_B0 = SECOND_SECTION + B0, G_B1 = SECOND_SECTION + B1, G_B2 = SECOND_SECTION + B2, G_A1 = SECOND_SECTION + A1;
const G_A2 = SECOND_SECTION + A2, G_Z1 = SECOND_SECTION + Z1, G_Z2 = SECOND_SECTION + Z2;

/** Design a low-pass (`high` false) or high-pass section at `cutoffHz`; its state starts at rest. */
export function designBiquad(s: Float64Array, at: number, cutoffHz: number, sampleRate: number, high: boolean): void {
  const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / Math.SQRT2; // sin(w0) / (2Q), Q = 1/sqrt(2)
  const a0 = 1 + alpha;
  const k = (high ? 1 + cos : 1 - cos) / 2;
  s[at + B0] = k / a0;
  s[at + B1] = ((high ? -2 : 2) * k) / a0;
  s[at + B2] = k / a0;
  s[at + A1] = (-2 * cos) / a0;
  s[at + A2] = (1 - alpha) / a0;
  biquadReset(s, at);
}

export function biquadReset(s: Float64Array, at: number): void {
  s[at + Z1] = 0;
  s[at + Z2] = 0;
}

/** `x` through the first section, then the second. */
export function cascadeStep(s: Float64Array, x: number): number {
  const u = s[F_B0] * x + s[F_Z1];
  s[F_Z1] = s[F_B1] * x - s[F_A1] * u + s[F_Z2];
  s[F_Z2] = s[F_B2] * x - s[F_A2] * u;
  const y = s[G_B0] * u + s[G_Z1];
  s[G_Z1] = s[G_B1] * u - s[G_A1] * y + s[G_Z2];
  s[G_Z2] = s[G_B2] * u - s[G_A2] * y;
  return y;
}
