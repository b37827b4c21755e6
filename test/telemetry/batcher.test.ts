import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Batcher } from "../../firmware/telemetry/batcher.js";
import { VirtualClock } from "../../host-sim/xs/virtual-clock.js";

/** Items 1, 2, 3 ... are added in order, so a release [last, count] stands for items last-count+1..last. */
const setup = (maxReadings: number, maxAgeMs: number) => {
  const clock = new VirtualClock(null, 1000);
  const batches: number[][] = [];
  const batcher = new Batcher<number>({
    clock,
    maxReadings,
    maxAgeMs,
    onFlush: (last, count) => batches.push(Array.from({ length: count }, (_, i) => last - count + 1 + i)),
  });
  return { clock, batches, batcher };
};

describe("Batcher", () => {
  it("flushes when maxReadings are waiting", () => {
    const { batches, batcher, clock } = setup(3, 60_000);
    batcher.add(1);
    batcher.add(2);
    expect(batches).toEqual([]);
    batcher.add(3);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(clock.pending).toBe(0);
  });

  it("flushes when the oldest item reaches maxAgeMs, measured from the oldest", () => {
    const { batches, batcher, clock } = setup(10, 1000);
    batcher.add(1);
    clock.advance(600);
    batcher.add(2);
    clock.advance(399);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toEqual([[1, 2]]);
    expect(clock.pending).toBe(0);
  });

  it("publishes each item at once when maxAgeMs is 0", () => {
    const { batches, batcher } = setup(10, 0);
    batcher.add(1);
    batcher.add(2);
    expect(batches).toEqual([[1], [2]]);
  });

  it("treats an item with old ticks (replayed) as due by its age", () => {
    const { batches, batcher, clock } = setup(10, 1000);
    batcher.add(7, clock.ticks() - 5000);
    expect(batches).toEqual([[7]]);
  });

  it("an older item added later makes the whole batch due by its age", () => {
    const { batches, batcher, clock } = setup(10, 1000);
    batcher.add(1);
    clock.advance(100);
    batcher.add(2, clock.ticks() - 800); // taken 700 ms before item 1
    clock.advance(199);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toEqual([[1, 2]]);
  });

  it("applies new limits at once and re-arms the age timer", () => {
    const { batches, batcher, clock } = setup(10, 10_000);
    for (let i = 1; i <= 5; i++) batcher.add(i);
    batcher.configure({ maxReadings: 6, maxAgeMs: 10_000 });
    expect(batches).toEqual([]);
    clock.advance(3000);
    batcher.configure({ maxReadings: 6, maxAgeMs: 2000 });
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
    for (let i = 6; i <= 8; i++) batcher.add(i);
    batcher.configure({ maxReadings: 2, maxAgeMs: 2000 }); // already more than a batch: all of it goes now
    expect(batches).toEqual([[1, 2, 3, 4, 5], [6, 7, 8]]);
    expect(clock.pending).toBe(0);
  });

  it("flush() sends what waits; close() releases the timer", () => {
    const { batches, batcher, clock } = setup(10, 1000);
    batcher.flush();
    expect(batches).toEqual([]);
    batcher.add(1);
    batcher.flush();
    expect(batches).toEqual([[1]]);
    batcher.add(2);
    expect(clock.pending).toBe(1);
    batcher.close();
    expect(clock.pending).toBe(0);
    clock.advance(5000);
    expect(batches).toEqual([[1]]);
    expect(() => batcher.add(3)).toThrow();
  });

  it("property: every item goes out once, in order, no batch is too big and none waits past maxAgeMs", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 40 }),
        (maxReadings, maxAgeMs, gaps) => {
          const clock = new VirtualClock(null, 1000);
          const addedAt = new Map<number, number>();
          const out: number[] = [];
          const batcher = new Batcher<number>({
            clock,
            maxReadings,
            maxAgeMs,
            onFlush: (last, count) => {
              expect(count).toBeLessThanOrEqual(maxReadings);
              const items = Array.from({ length: count }, (_, k) => last - count + 1 + k);
              for (const i of items) expect(clock.ticks() - (addedAt.get(i) as number)).toBeLessThanOrEqual(maxAgeMs);
              out.push(...items);
            },
          });
          gaps.forEach((gap, i) => {
            clock.advance(gap);
            addedAt.set(i, clock.ticks());
            batcher.add(i);
          });
          clock.advance(maxAgeMs);
          expect(out).toEqual(gaps.map((_, i) => i));
        },
      ),
      { seed: 3, numRuns: 300 },
    );
  });
});
