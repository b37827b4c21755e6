// The estimator's memory layout (firmware/sensors/state-buffer.ts): every part keeps its scalars in its own
// place of the shared Float64Array, arrays are handed out without overlap, and beat times stay exact in
// Float32 however long the device runs. What the layout is for (its heap figures) is measured on XS:
// firmware/sensors/README.md, "Memory".
import { describe, expect, it } from "vitest";
import { BeatDetector, DETECTOR_END, Detection } from "../../firmware/sensors/beat-detector.js";
import { FILTER_END, FIRST_SECTION, SECOND_SECTION } from "../../firmware/sensors/biquad.js";
import { HeartRateEstimator, SCALARS } from "../../firmware/sensors/heart-rate.js";
import { PulseTrace, TRACE_END } from "../../firmware/sensors/pulse-trace.js";
import { offsets, StateBuffer } from "../../firmware/sensors/state-buffer.js";
import { SyntheticPpg } from "../../host-sim/chips/ppg-synthetic.js";

describe("heart-rate estimator memory layout", () => {
  it("numbers a part's scalars in the order they are named, from where the part before ends", () => {
    const [a, b, end] = offsets(5);
    expect([a, b, end]).toEqual([5, 6, 7]);
    const [first, second, after] = offsets(0, 7);
    expect([first, second, after]).toEqual([0, 7, 14]);
  });

  it("gives each part exactly the scalars it keeps, one after the other", () => {
    expect([FIRST_SECTION, SECOND_SECTION, FILTER_END]).toEqual([0, FILTER_END / 2, 2 * SECOND_SECTION]);
    expect(FILTER_END < DETECTOR_END && DETECTOR_END < TRACE_END && TRACE_END < SCALARS).toBe(true);
    // Each part sets every one of its scalars when built, and none of another's.
    const memory = new StateBuffer(TRACE_END, 8, BeatDetector.floats(46) + PulseTrace.floats(800, 100));
    const s = memory.scalars;
    const untouched = (from: number, end: number) => [...s.subarray(from, end)].every(Number.isNaN);
    const set = (from: number, end: number) => [...s.subarray(from, end)].every((v) => !Number.isNaN(v));
    s.fill(Number.NaN);
    new BeatDetector(memory, 100, 46);
    expect(untouched(0, FILTER_END)).toBe(true);
    expect(set(FILTER_END, DETECTOR_END)).toBe(true);
    expect(untouched(DETECTOR_END, TRACE_END)).toBe(true);
    new PulseTrace(memory, 800, 100);
    expect(untouched(0, FILTER_END)).toBe(true);
    expect(set(FILTER_END, TRACE_END)).toBe(true);
  });

  it("hands out the floats without overlap, and refuses to hand out more than it was sized for", () => {
    const memory = new StateBuffer(3, 10, 30);
    expect(memory.reserve(20)).toBe(10);
    expect(memory.reserve(10)).toBe(30);
    expect(() => memory.reserve(1)).toThrow(RangeError);
    expect(memory.floats.length).toBe(40);
    expect(memory.scalars.length).toBe(3);
    expect(memory.scalars.buffer).toBe(memory.floats.buffer);
  });

  it("sizes the trace and the beat ring from the window: 8 s at 100/s is 46 beats and 225 trace samples", () => {
    expect(BeatDetector.capacity(8)).toBe(46);
    expect(PulseTrace.windowSamples(800, 100)).toBe(200);
    expect(PulseTrace.floats(800, 100)).toBe(60 + 200 + 25);
  });

  it("keeps beat times exact over 2^24 samples (46 h at 100/s) and more, where Float32 alone would round them", () => {
    const memory = new StateBuffer(DETECTOR_END, 8, BeatDetector.floats(46));
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
