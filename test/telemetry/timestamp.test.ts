import { describe, expect, it } from "vitest";
import { Stamper, wallTimeAt } from "../../firmware/telemetry/timestamp.js";
import { CLOCK_SET_AFTER_MS, knownWallTime } from "../../firmware/common/wall-clock.js";
import { VirtualClock } from "../../host-sim/xs/virtual-clock.js";

const EPOCH = Date.UTC(2026, 10, 22, 1, 0, 0);

describe("time stamping", () => {
  it("computes wallTime = nowWall - (nowTicks - readingTicks)", () => {
    expect(wallTimeAt(1000, 6000, EPOCH)).toBe(EPOCH - 5000);
  });

  it("keeps ticks for readings taken before the clock is set and stamps them once SNTP sets it", () => {
    const clock = new VirtualClock(null, 1000);
    const stamper = new Stamper(clock, 10);
    const early = { kind: "hr" as const, value: 70, ticks: clock.ticks() };
    expect(stamper.timeOf(early, 10)).toBeUndefined();
    clock.advance(7000);
    clock.setWallTime(EPOCH);
    expect(stamper.timeOf(early, 10)).toBe(EPOCH - 7000);
    clock.advance(500);
    expect(stamper.timeOf(early, 10)).toBe(EPOCH - 7000);
    expect(stamper.estimatedTimes).toBe(0);
  });

  it("treats a clock that reads before 2023 (still counting from the 1970 boot value) as unset", () => {
    const clock = new VirtualClock(5_000, 1000);
    const stamper = new Stamper(clock, 1);
    expect(knownWallTime(clock)).toBeUndefined();
    expect(stamper.now()).toBeUndefined();
    expect(stamper.timeOf({ kind: "hr", value: 60, ticks: 900 }, 1)).toBeUndefined();
    clock.setWallTime(2 ** 28 * 1000); // 1978: past SenML's absolute-time threshold, but never a set clock
    expect(knownWallTime(clock)).toBeUndefined();
    clock.setWallTime(CLOCK_SET_AFTER_MS);
    expect(knownWallTime(clock)).toBe(CLOCK_SET_AFTER_MS);
    expect(stamper.timeOf({ kind: "hr", value: 60, ticks: 900 }, 1)).toBe(CLOCK_SET_AFTER_MS - 100);
  });

  it("keeps a wall time taken at sampling", () => {
    const clock = new VirtualClock(EPOCH, 1000);
    const stamper = new Stamper(clock, 1);
    expect(stamper.timeOf({ kind: "temp", value: 36.6, ticks: 5, time: EPOCH - 1 }, 3)).toBe(EPOCH - 1);
  });

  it("stamps unstamped readings from a previous boot with this boot's time and counts them once", () => {
    const clock = new VirtualClock(null, 200);
    const stamper = new Stamper(clock, 50);
    clock.advance(9800);
    clock.setWallTime(EPOCH);
    const orphan = { kind: "hr" as const, value: 70, ticks: 123456 };
    expect(stamper.timeOf(orphan, 49)).toBe(EPOCH - 9800);
    expect(stamper.timeOf(orphan, 49)).toBe(EPOCH - 9800);
    expect(stamper.timeOf(orphan, 48)).toBe(EPOCH - 9800);
    expect(stamper.estimatedTimes).toBe(2);
  });
});
