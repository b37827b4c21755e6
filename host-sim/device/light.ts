// What the simulated finger shows the MAX30102, from the CLI's choice: a synthetic pulse at a constant
// rate, an exercise ramp (60 -> 160 bpm, repeated), or a recorded PPG replayed in a loop.
import type { RecordedPpg } from "../chips/ppg-files.js";
import { WaveformReplay } from "../chips/ppg-replay.js";
import { exerciseRamp } from "../chips/ppg-scenarios.js";
import { SyntheticPpg } from "../chips/ppg-synthetic.js";
import type { OpticalSample, OpticalSource } from "../chips/optical.js";

export type LightSetting =
  | { kind: "constant"; bpm: number }
  | { kind: "ramp"; periodSeconds?: number }
  /** A recording loaded once (host-sim/chips/ppg-files.ts) and shared by every device that replays it. */
  | { kind: "replay"; recording: RecordedPpg };

/** Light for one device; `seed` makes each device of a fleet beat differently. */
export function lightSource(setting: LightSetting, seed: number): OpticalSource {
  switch (setting.kind) {
    case "constant":
      return new SyntheticPpg({ seed, heartRate: () => setting.bpm });
    case "ramp": {
      const period = setting.periodSeconds ?? 300;
      const ramp = exerciseRamp(period);
      return new SyntheticPpg({ seed, heartRate: (t) => ramp(t % period), variability: 0.015, rsa: 0.01 });
    }
    case "replay": {
      const { values, rate } = setting.recording;
      return looped(new WaveformReplay(values, rate), values.length / rate);
    }
  }
}

/** A finite recording played again from its start (one discontinuity per loop, like re-seating a finger). */
function looped(source: OpticalSource, seconds: number): OpticalSource {
  return {
    sample(t: number, out: OpticalSample): void {
      source.sample(t % seconds, out);
    },
  };
}
