import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { AckRanges } from "../../firmware/telemetry/outbox-acks.js";

const ranges = (a: AckRanges) => Array.from({ length: a.length }, (_, i) => [a.first(i), a.last(i)]);

describe("AckRanges", () => {
  it("keeps ranges above the mark disjoint and apart, and takes into the mark what reaches it", () => {
    const a = new AckRanges(4);
    a.add(5, 6);
    a.add(9, 9);
    a.add(7, 8); // touches both: one range
    expect(ranges(a)).toEqual([[5, 9]]);
    a.add(12, 12);
    a.add(3, 3);
    expect(ranges(a)).toEqual([[3, 3], [5, 9], [12, 12]]);
    a.add(1, 2); // reaches the mark (0): the mark moves over 1..3
    expect([a.through, ranges(a)]).toEqual([3, [[5, 9], [12, 12]]]);
    a.raise(10);
    expect([a.through, ranges(a)]).toEqual([10, [[12, 12]]]);
    a.raise(11);
    expect([a.through, ranges(a)]).toEqual([12, []]);
    expect([a.contains(12), a.contains(13)]).toEqual([true, false]);
  });

  it("without room, gives up the highest range for a lower one, and refuses a new highest one", () => {
    const a = new AckRanges(2);
    a.add(10, 10);
    a.add(20, 20);
    expect(a.add(30, 30)).toBe(false);
    expect(ranges(a)).toEqual([[10, 10], [20, 20]]);
    expect(a.add(5, 5)).toBe(true);
    expect([a.evictedFirst, a.evictedLast]).toEqual([20, 20]);
    expect(ranges(a)).toEqual([[5, 5], [10, 10]]);
    expect(a.add(11, 11)).toBe(true); // merges: no eviction
    expect([a.evictedFirst, a.evictedLast, ranges(a)]).toEqual([1, 0, [[5, 5], [10, 11]]]);
    a.join(0);
    expect(ranges(a)).toEqual([[5, 11]]);
  });

  it("contains exactly what was added and not given up (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.nat(5)), { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (adds, capacity) => {
        const a = new AckRanges(capacity);
        const model = new Set<number>();
        for (const [first, span] of adds) {
          if (!a.add(first, first + span)) continue;
          for (let s = first; s <= first + span; s++) model.add(s);
          for (let s = a.evictedFirst; s <= a.evictedLast; s++) model.delete(s);
          expect(a.length).toBeLessThanOrEqual(capacity);
          for (let i = 0; i < a.length; i++) {
            expect(a.first(i)).toBeGreaterThan(i === 0 ? a.through + 1 : a.last(i - 1) + 1);
            expect(a.last(i)).toBeGreaterThanOrEqual(a.first(i));
          }
        }
        for (let s = 1; s <= 70; s++) expect(a.contains(s)).toBe(model.has(s) || s <= a.through);
        for (let s = 1; s <= a.through; s++) expect(model.has(s)).toBe(true);
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});
