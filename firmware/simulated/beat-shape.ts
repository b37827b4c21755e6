// One beat of finger PPG as two Gaussians in phase (Tang et al., "Synthetic photoplethysmogram generation
// using two Gaussian functions", Sci Rep 10:13883, 2020): the systolic wave (a = 1.0 at -1.5161 rad, width
// 0.6303) and the diastolic one (a = 0.1999 at 0.8186 rad, width 1.0225). The one model of the pulse wave:
// the simulator's sensor (simulated/ppg.ts) and the host's synthetic PPG (host-sim/chips/ppg-synthetic.ts).

const A1 = 1.0, MU1 = -1.5161, S1 = 0.6303;
const A2 = 0.1999, MU2 = 0.8186, S2 = 1.0225;

/** Relative blood volume at `phase` radians of the beat (about -pi..pi; the tails carry on past it). */
export function beatShape(phase: number): number {
  const d1 = phase - MU1;
  const d2 = phase - MU2;
  return A1 * Math.exp(-(d1 * d1) / (2 * S1 * S1)) + A2 * Math.exp(-(d2 * d2) / (2 * S2 * S2));
}
