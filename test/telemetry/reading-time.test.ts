// The true time of readings taken before the clock was set (reading-time.ts): kept as boot + ticks, given
// their exact wall time once SNTP sets the clock, in this boot or, through the anchors file, after a
// reboot; a boot that never learned its offset leaves its readings without a time, never a wrong one.
import { describe, expect, it } from "vitest";
import { ReadingTimes } from "../../firmware/telemetry/reading-time.js";
import type { StoredReading } from "../../firmware/telemetry/reading.js";
import { VirtualClock } from "../../host-sim/xs/virtual-clock.js";
import { MemoryStorage } from "../../support/memory-storage.js";

const NOW = Date.UTC(2026, 11, 7, 9, 0, 0);
const blank = (): StoredReading => ({ kind: "hr", value: 72, boot: 0, ticks: 0 });

describe("reading times", () => {
  it("stamps with boot and ticks while the clock is unset, and gives the exact time once SNTP sets it", () => {
    const clock = new VirtualClock(null, 5_000);
    const times = new ReadingTimes(clock, new MemoryStorage(), 101);
    const early = blank();
    times.stamp(early, clock.ticks());
    expect(early).toMatchObject({ time: undefined, boot: 101, ticks: 0 }); // milliseconds into this boot
    expect(times.timeOf(early)).toBeUndefined();
    expect(times.lost(early)).toBe(false); // this boot: it will be known
    clock.advance(60_000);
    clock.setWallTime(NOW);
    expect(times.timeOf(early)).toBe(NOW - 60_000);
    const later = blank();
    clock.advance(1_000);
    times.stamp(later, clock.ticks());
    expect(later.time).toBe(NOW + 1_000);
  });

  it("after a reboot, gives readings of an earlier boot whose clock was set their true time", () => {
    const storage = new MemoryStorage();
    const first = new VirtualClock(null, 0);
    const before = new ReadingTimes(first, storage, 1);
    const early = blank();
    before.stamp(early, 2_000);
    first.advance(30_000);
    first.setWallTime(NOW);
    before.timeOf(early); // the offset is written down when first known
    // Reboot: a new tick origin, the clock unset again.
    const second = new VirtualClock(null, 0);
    const after = new ReadingTimes(second, storage, 50);
    expect(after.timeOf(early)).toBe(NOW - 28_000);
    expect(after.lost(early)).toBe(false);
  });

  it("a boot that never learned its clock leaves its readings untimed for good, never wrongly timed", () => {
    const storage = new MemoryStorage();
    const first = new ReadingTimes(new VirtualClock(null, 0), storage, 1);
    const early = blank();
    first.stamp(early, 2_000);
    const next = new ReadingTimes(new VirtualClock(NOW, 0), storage, 50);
    expect(next.timeOf(early)).toBeUndefined();
    expect(next.lost(early)).toBe(true);
  });

  it("a damaged anchors file means no anchors: untimed, not wrong", () => {
    const storage = new MemoryStorage();
    const clock = new VirtualClock(null, 0);
    const times = new ReadingTimes(clock, storage, 1);
    const early = blank();
    times.stamp(early, 0);
    clock.setWallTime(NOW);
    times.timeOf(early);
    const file = storage.files.get("anchors")!;
    file[5] ^= 0x40;
    const next = new ReadingTimes(new VirtualClock(NOW, 0), storage, 9);
    expect(next.timeOf(early)).toBeUndefined();
    expect(next.lost(early)).toBe(true);
  });

  it("stores milliseconds into the boot, whatever the clock's tick origin (the simulator's counts from 1970)", () => {
    const clock = new VirtualClock(null, 1_796_659_146_280);
    const times = new ReadingTimes(clock, new MemoryStorage(), 7);
    clock.advance(90_000);
    const r = blank();
    times.stamp(r, clock.ticks());
    expect(r.ticks).toBe(90_000);
    clock.setWallTime(NOW);
    expect(times.timeOf(r)).toBe(NOW);
  });

  it("keeps the offsets of the last eight boots, and writes only when the offset moves by more than a second", () => {
    const storage = new MemoryStorage();
    for (let boot = 1; boot <= 10; boot++) {
      const clock = new VirtualClock(NOW + boot * 3_600_000, 0);
      const times = new ReadingTimes(clock, storage, boot * 100);
      times.stamp(blank(), 0);
    }
    const now = new ReadingTimes(new VirtualClock(null, 0), storage, 2000);
    expect(now.lost({ ...blank(), boot: 200 })).toBe(true);
    expect(now.timeOf({ ...blank(), boot: 300, ticks: 5 })).toBe(NOW + 3 * 3_600_000 + 5);
    const clock = new VirtualClock(NOW, 0);
    const times = new ReadingTimes(clock, storage, 3000);
    times.stamp(blank(), 0);
    const writes = storage.writes;
    clock.setWallTime(NOW + 500); // SNTP resync: drift within a second
    times.stamp(blank(), 0);
    expect(storage.writes).toBe(writes);
    clock.setWallTime(NOW + 5_000); // stepped
    times.stamp(blank(), 0);
    expect(storage.writes).toBe(writes + 1);
  });
});
