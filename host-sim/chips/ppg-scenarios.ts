// The heart-rate scenarios the tests and `npm run bench -- hr` score against: synthetic signals with a known
// heart-rate trajectory. Durations are parameters so tests can run shorter versions of the same signal.
// Motion scenarios put arm motion into the light (options.arm) that an accelerometer on the wrist measures
// as well; they are scored with and without it.
import { ArmMotion, type MotionEpisode } from "./arm-motion.js";
import { SyntheticPpg, type MotionBurst, type SyntheticPpgOptions } from "./ppg-synthetic.js";

/** What the estimator must achieve:
 *  - "clean": MAE <= 2 bpm with >= 95 % valid windows;
 *  - "hard": MAE <= 5 bpm on the windows it calls valid, and some valid;
 *  - "no-reading": not one valid window (no finger, no pulse);
 *  - "step": every step in rate tracked within 6 s (stepTracking in ppg-run.ts);
 *  - "motion": with an accelerometer, MAE <= 5 bpm on the windows it calls valid, and some valid. */
export type Target = "clean" | "hard" | "no-reading" | "step" | "motion";

export interface Scenario {
  name: string;
  target: Target;
  make(seed: number, duration: number): SyntheticPpg;
  /** Times (s) at which the rate steps, for "step" scenarios. */
  steps?(duration: number): { at: number; bpm: number }[];
}

/** 60 -> 160 bpm: rest for the first fifth, ramp over three fifths, hold for the last fifth. */
export function exerciseRamp(duration: number): (t: number) => number {
  return (t) => {
    const x = Math.min(1, Math.max(0, (t / duration - 0.2) / 0.6));
    return 60 + 100 * x;
  };
}

/** 70 bpm, 130 from a fifth of the way, back to 70 at three fifths: steps no heart makes, the hardest test
 *  of how fast a change is tracked. */
export function rateSteps(duration: number): { at: number; bpm: number }[] {
  return [
    { at: Math.round(duration / 5), bpm: 130 },
    { at: Math.round((3 * duration) / 5), bpm: 70 },
  ];
}

function stepped(duration: number): (t: number) => number {
  const steps = rateSteps(duration);
  return (t) => steps.reduce((bpm, s) => (t >= s.at ? s.bpm : bpm), 70);
}

/** 70 -> 150 -> 70 bpm at 2 bpm/s: up from a fifth of the way, held, down from three fifths. */
export function fastRamps(duration: number): (t: number) => number {
  const up = duration / 5, down = (3 * duration) / 5;
  return (t) => Math.min(150, 70 + 2 * Math.max(0, t - up) - 2 * Math.max(0, t - down));
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

/** Walking from an eighth of the way to seven eighths: the arm swings at 1.3 Hz (0.4 g), which alone reads
 *  as 78 bpm; the heart goes from 75 to 95 bpm and back. */
export function walking(seed: number, duration: number): { arm: ArmMotion; heartRate: (t: number) => number } {
  const start = duration / 8, end = (7 * duration) / 8;
  const episodes: MotionEpisode[] = [{ kind: "swing", start, duration: end - start, cadence: 1.3, amplitude: 0.4 }];
  const heartRate = (t: number) => 75 + Math.min(20, Math.max(0, t - start)) - Math.min(20, Math.max(0, t - end));
  return { arm: new ArmMotion({ seed, episodes }), heartRate };
}

/** Gestures (0.6 g, 2..5 s) at the times of motionBursts(). */
export function gestures(seed: number, duration: number): ArmMotion {
  const episodes: MotionEpisode[] = motionBursts(seed, duration).map((b) => ({ kind: "gesture", ...b, amplitude: 0.6 }));
  return new ArmMotion({ seed, episodes });
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
  { name: "no-finger", target: "no-reading", make: (seed) => synthetic({ heartRate: () => 70, noFinger: true })(seed) },
  {
    // On the skin but no pulse in the light, and noise in the pulse band at about half a pulse's size.
    name: "no-pulse-band-noise",
    target: "no-reading",
    make: (seed) => synthetic({ heartRate: () => 70, noPulse: true, bandNoise: { rms: 0.25, low: 0.8, high: 3 } })(seed),
  },
  { name: "steps-70-130-70", target: "step", make: (seed, d) => synthetic({ heartRate: stepped(d) })(seed), steps: rateSteps },
  { name: "ramps-70-150-70", target: "clean", make: (seed, d) => synthetic({ heartRate: fastRamps(d) })(seed) },
  // Atrial-fibrillation-like: every interval drawn afresh within +-25 %, weaker pulses after short ones.
  { name: "af-like", target: "hard", make: (seed) => synthetic({ heartRate: () => 85, irregularity: 0.25 })(seed) },
  { name: "ectopic-10", target: "hard", make: (seed) => synthetic({ heartRate: () => 80, ectopicRate: 0.1 })(seed) },
  // Perfusion index 0.1 % (a cold hand): the sensor's own noise stays, so it is 0.3 pulse amplitudes here.
  { name: "low-perfusion", target: "clean", make: (seed) => synthetic({ heartRate: () => 75, perfusion: 0.001, noise: 0.3 })(seed) },
  {
    name: "walking",
    target: "motion",
    make: (seed, d) => {
      const { arm, heartRate } = walking(seed, d);
      return synthetic({ heartRate, arm })(seed);
    },
  },
  { name: "arm-gestures", target: "motion", make: (seed, d) => synthetic({ heartRate: () => 88, arm: gestures(seed, d) })(seed) },
];
