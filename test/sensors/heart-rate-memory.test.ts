// The estimator's memory layout (firmware/sensors/state-buffer.ts): every part keeps its scalars in its own
// place of the shared Float64Array, arrays are handed out without overlap, and beat times stay exact in
// Float32 however long the device runs. What the layout is for (its heap figures) is measured on XS:
// firmware/sensors/README.md, "Memory".
import { describe, expect, it } from "vitest";
import { BeatDetector, DETECTOR_SIZE, Detection } from "../../firmware/sensors/beat-detector.js";
import { BIQUAD_SIZE, FIRST_SECTION, SECOND_SECTION } from "../../firmware/sensors/biquad.js";
import { ESTIMATOR_SIZE, HeartRateEstimator } from "../../firmware/sensors/heart-rate.js";
import { PulseTrace, TRACE_SIZE } from "../../firmware/sensors/pulse-trace.js";
import {
  DETECTOR_SCALARS,
  ESTIMATOR_SCALARS,
  FILTER_SCALARS,
  SCALARS,
  StateBuffer,
  TRACE_SCALARS,
} from "../../firmware/sensors/state-buffer.js";
import { SyntheticPpg } from "../../host-sim/chips/ppg-synthetic.js";

describe("heart-rate estimator memory layout", () => {
  it("gives each part exactly the scalars it keeps, one after the other", () => {
    expect(FIRST_SECTION).toBe(FILTER_SCALARS);
    expect(SECOND_SECTION + BIQUAD_SIZE).toBe(DETECTOR_SCALARS);
    expect(DETECTOR_SCALARS + DETECTOR_SIZE).toBe(TRACE_SCALARS);
    expect(TRACE_SCALARS + TRACE_SIZE).toBe(ESTIMATOR_SCALARS);
    expect(ESTIMATOR_SCALARS + ESTIMATOR_SIZE).toBe(SCALARS);
  });

  it("hands out the floats without overlap, and refuses to hand out more than it was sized for", () => {
    const memory = new StateBuffer(10, 30);
    expect(memory.reserve(20)).toBe(10);
    expect(memory.reserve(10)).toBe(30);
    expect(() => memory.reserve(1)).toThrow(RangeError);
    expect(memory.floats.length).toBe(40);
    expect(memory.scalars.buffer).toBe(memory.floats.buffer);
  });

  it("sizes the trace and the beat ring from the window: 8 s at 100/s is 46 beats and 225 trace samples", () => {
    expect(BeatDetector.capacity(8)).toBe(46);
    expect(PulseTrace.windowSamples(800, 100)).toBe(200);
    expect(PulseTrace.floats(800, 100)).toBe(60 + 200 + 25);
  });

  it("keeps beat times exact over 2^24 samples (46 h at 100/s) and more, where Float32 alone would round them", () => {
    const memory = new StateBuffer(8, BeatDetector.floats(46));
    const beats = new BeatDetector(memory, 100, 46);
    const start = 2 ** 24 - 3_000;
    beats.restart(start);
    const peaks: number[] = [];
    for (let n = start; n < start + 2 ** 24 + 2 ** 20; n++) {
      // A slope-sum bump every 79 samples: half the beats peak an odd number of samples after the restart,
      // which Float32 cannot hold beyond 2^24.
      const phase = (n - start) % 79;
      const z = phase < 10 ? 10 * phase : phase < 20 ? 10 * (20 - phase) : 0;
      if (beats.step(z, n) === Detection.Beat && n > start + 1_000) peaks.push(beats.time(beats.index(0)));
    }
    expect(peaks.length).toBeGreaterThan(200_000);
    expect(peaks.filter((at) => (at - start) % 79 !== 10)).toEqual([]);
    expect(peaks.some((at) => at - start > 2 ** 24 && (at - start) % 2 === 1)).toBe(true);
  });

  it("a long-running estimator (restarted past 2^24 samples by markGap) still reads the pulse", () => {
    const hr = new HeartRateEstimator({ sampleRate: 100 });
    hr.markGap(2 ** 24 + 12_345);
    const source = new SyntheticPpg({ seed: 2, heartRate: () => 66 });
    const light = { red: 0, ir: 0, ambient: 0 };
    const valid: number[] = [];
    for (let i = 0; i < 3_000; i++) {
      source.sample(i / 100, light);
      if (hr.push(Math.round(((7.2 * light.ir) / 4096) * 262144)) && hr.reading.valid) valid.push(hr.reading.bpm);
    }
    expect(valid.length).toBeGreaterThan(5);
    for (const bpm of valid) expect(Math.abs(bpm - 66)).toBeLessThan(2);
  });
});
