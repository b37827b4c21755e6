import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RecordIndex } from "../../firmware/telemetry/outbox-index.js";

describe("RecordIndex (the outbox's packed in-memory records)", () => {
  it("property: behaves like a list of records through appends, range removals and repacks; views stay valid", () => {
    type Op = { kind: "append"; size: number } | { kind: "remove"; from: number; span: number } | { kind: "peek"; max: number; after: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant("append" as const), size: fc.nat(300) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), from: fc.nat(60), span: fc.nat(8) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("peek" as const), max: fc.nat(10), after: fc.nat(60) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const index = new RecordIndex();
        let model: { seq: number; bytes: number[] }[] = [];
        const views: { view: Uint8Array; bytes: number[] }[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === "append") {
            seq += 1 + (o.size % 3); // gaps, like sequence numbers of records that were never stored
            const bytes = Array.from({ length: o.size }, (_, i) => (seq * 7 + i) & 0xff);
            const source = new Uint8Array([9, ...bytes, 9]);
            index.append(seq, source, 1, 1 + bytes.length);
            model.push({ seq, bytes });
          } else if (o.kind === "remove") {
            const last = o.from + o.span;
            const expected = model.filter((r) => r.seq >= o.from && r.seq <= last).length;
            expect(index.remove(o.from, last)).toBe(expected);
            model = model.filter((r) => r.seq < o.from || r.seq > last);
          } else {
            const got = index.peek(o.max, o.after);
            const want = model.filter((r) => r.seq > o.after).slice(0, o.max);
            expect(got.map((r) => [r.seq, [...r.payload]])).toEqual(want.map((r) => [r.seq, r.bytes]));
            for (const r of got) views.push({ view: r.payload, bytes: [...r.payload] });
          }
          expect(index.count).toBe(model.length);
          expect(index.payloadBytes).toBe(model.reduce((n, r) => n + r.bytes.length, 0));
          const visited: number[] = [];
          index.forEach((s, bytes, start, end) => {
            visited.push(s);
            expect([...bytes.subarray(start, end)]).toEqual(model.find((r) => r.seq === s)?.bytes);
            return true;
          });
          expect(visited).toEqual(model.map((r) => r.seq));
        }
        for (const v of views) expect([...v.view]).toEqual(v.bytes);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it("stops a visit when the visitor returns false", () => {
    const index = new RecordIndex();
    for (let s = 1; s <= 5; s++) index.append(s, new Uint8Array([s]));
    const seen: number[] = [];
    index.forEach((s) => {
      seen.push(s);
      return s < 3;
    });
    expect(seen).toEqual([1, 2, 3]);
  });
});
