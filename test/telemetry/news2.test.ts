import { describe, expect, it } from "vitest";
import { AlarmMonitor, NEWS2_THRESHOLDS, news2PulseScore, news2TemperatureScore } from "../../firmware/telemetry/news2.js";
import { isPlausible } from "../../firmware/telemetry/sensor-faults.js";

describe("NEWS2 scores", () => {
  it.each([
    [25, 3], [40, 3], [40.4, 3], [40.5, 1], [41, 1], [50, 1], [51, 0], [90, 0], [91, 1], [110, 1], [111, 2], [130, 2], [130.5, 3], [131, 3], [250, 3],
  ])("pulse %d bpm scores %d", (bpm, score) => {
    expect(news2PulseScore(bpm)).toBe(score);
  });
  it.each([
    [30, 3], [35.0, 3], [35.04, 3], [35.05, 1], [35.1, 1], [36.0, 1], [36.1, 0], [38.0, 0], [38.1, 1], [39.0, 1], [39.04, 1], [39.05, 2], [39.1, 2], [42, 2],
  ])("temperature %d C scores %d", (celsius, score) => {
    expect(news2TemperatureScore(celsius)).toBe(score);
  });
});

describe("plausibility", () => {
  it("accepts 25..250 bpm and 30..45 C and rejects the rest as sensor faults", () => {
    expect([24.9, 25, 250, 250.1, NaN].map((v) => isPlausible("hr", v))).toEqual([false, true, true, false, false]);
    expect([29.99, 30, 45, 45.01, Infinity].map((v) => isPlausible("temp", v))).toEqual([false, true, true, false, false]);
  });
});

describe("AlarmMonitor", () => {
  it("alarms at the NEWS2 red-band thresholds by default", () => {
    expect(NEWS2_THRESHOLDS).toEqual({ hrLow: 40, hrHigh: 131, tempLow: 35.0, tempHigh: 39.1 });
    const m = new AlarmMonitor();
    expect(m.update("hr", 41)).toBeUndefined();
    expect(m.update("hr", 40)).toEqual({ kind: "hr", level: "low", value: 40, score: 3, threshold: 40 });
    const m2 = new AlarmMonitor();
    expect(m2.update("hr", 130)).toBeUndefined();
    expect(m2.update("hr", 131)).toMatchObject({ level: "high", score: 3, threshold: 131 });
    const m3 = new AlarmMonitor();
    expect(m3.update("temp", 39.0)).toBeUndefined();
    expect(m3.update("temp", 39.1)).toMatchObject({ kind: "temp", level: "high", score: 2, threshold: 39.1 });
    expect(m3.update("temp", 35.0)).toMatchObject({ level: "low", score: 3, threshold: 35 });
  });

  it("raises one alert on entering a band and one on clearing, not one per sample", () => {
    const m = new AlarmMonitor();
    const alerts = [60, 135, 140, 150, 132, 100, 98, 38, 39].map((v) => m.update("hr", v)?.level);
    expect(alerts).toEqual([undefined, "high", undefined, undefined, undefined, "normal", undefined, "low", undefined]);
    expect(m.level("hr")).toBe("low");
    expect(m.level("temp")).toBe("normal");
  });

  it("reports the threshold that had been crossed when clearing", () => {
    const m = new AlarmMonitor();
    m.update("temp", 34.2);
    expect(m.update("temp", 36.5)).toMatchObject({ level: "normal", threshold: 35, score: 0 });
  });

  it("uses configured thresholds from the next reading", () => {
    const m = new AlarmMonitor();
    expect(m.update("hr", 120)).toBeUndefined();
    m.configure({ ...NEWS2_THRESHOLDS, hrHigh: 111 });
    expect(m.update("hr", 120)).toMatchObject({ level: "high", threshold: 111, score: 2 });
  });
});
