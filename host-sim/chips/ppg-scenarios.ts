// The heart-rate scenarios the tests and `npm run bench -- hr` score against: synthetic signals with a known
// heart-rate trajectory. Durations are parameters so tests can run shorter versions of the same signal.
import { SyntheticPpg, type MotionBurst, type SyntheticPpgOptions } from "./ppg-synthetic.js";

export interface Scenario {
  name: string;
  /** What the estimator must achieve: "clean" <= 2 bpm MAE and >= 95 % valid windows; "hard" <= 5 bpm;
   *  "no-finger" zero valid windows. */
  target: "clean" | "hard" | "no-finger";
  make(seed: number, duration: number): SyntheticPpg;
}

/** 60 -> 160 bpm: rest for the first fifth, ramp over three fifths, hold for the last fifth. */
export function exerciseRamp(duration: number): (t: number) => number {
  return (t) => {
    const x = Math.min(1, Math.max(0, (t / duration - 0.2) / 0.6));
    return 60 + 100 * x;
  };
}

/** Motion bursts of 2..5 s roughly every 15 s, starting after 10 s. */
export function motionBursts(seed: number, duration: number): MotionBurst[] {
  const bursts: MotionBurst[] = [];
  let x = seed >>> 0;
  const next = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (let t = 10 + 5 * next(); t < duration - 5; t += 12 + 6 * next()) {
    bursts.push({ start: t, duration: 2 + 3 * next() });
  }
  return bursts;
}

const synthetic = (options: Omit<SyntheticPpgOptions, "seed">) => (seed: number) => new SyntheticPpg({ seed, ...options });

export const SCENARIOS: Scenario[] = [
  { name: "rest-60", target: "clean", make: (seed) => synthetic({ heartRate: () => 60 })(seed) },
  { name: "exercise-60-160", target: "clean", make: (seed, d) => synthetic({ heartRate: exerciseRamp(d), variability: 0.015, rsa: 0.01 })(seed) },
  {
    name: "high-variability",
    target: "clean",
    make: (seed) => synthetic({ heartRate: () => 72, variability: 0.08, rsa: 0.08, ectopicRate: 0.03 })(seed),
  },
  { name: "noise", target: "hard", make: (seed) => synthetic({ heartRate: () => 85, noise: 0.6, baselineWander: 2 })(seed) },
  {
    name: "motion-bursts",
    target: "hard",
    make: (seed, d) => synthetic({ heartRate: () => 95, motion: motionBursts(seed, d), motionAmplitude: 6 })(seed),
  },
  { name: "no-finger", target: "no-finger", make: (seed) => synthetic({ heartRate: () => 70, noFinger: true })(seed) },
];
