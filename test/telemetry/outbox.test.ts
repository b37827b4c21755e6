import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Outbox, OutboxError, type OutboxOptions } from "../../firmware/telemetry/outbox.js";
import { OutboxMeta } from "../../firmware/telemetry/outbox-meta.js";
import { SLOT_OVERHEAD } from "../../firmware/telemetry/outbox-slot.js";
import type { Storage } from "../../firmware/platform/ports.js";
import { FileStorage, PowerLossError } from "../../host-sim/platform/file-storage.js";
import { MemoryStorage } from "../../support/memory-storage.js";
import { thrown } from "../support/thrown.js";
import { storedRecords, storedSeqs } from "./support/outbox-contents.js";

/** Record size of most tests, and a ring of 4 segments of 4 slots (capacity 16). */
const R = 4;
const SLOT = SLOT_OVERHEAD + R;
const record = (n: number) => new Uint8Array(R).fill(n & 0xff);
const ring = (storage: Storage, more: Partial<OutboxOptions> = {}): OutboxOptions => ({ storage, recordBytes: R, segmentRecords: 4, maxBytes: 4 * 4 * SLOT, ...more });
const segmentNames = (storage: MemoryStorage) => [...storage.files.keys()].filter((n) => n.startsWith("outbox.s")).sort();
/** The metadata as stored (the newer copy that checks out). */
const storedMeta = (storage: Storage) => {
  const meta = new OutboxMeta(storage, "outbox", 255);
  return { status: meta.load(), meta };
};

describe("outbox: store and forward", () => {
  it("numbers records from 1, reads them oldest first and replays them after a restart, appending to the same segment", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage));
    expect([a.append(record(1)), a.append(record(2)), a.append(record(3))]).toEqual([1, 2, 3]);
    expect(storedRecords(a)).toEqual([1, 2, 3].map((n) => ({ seq: n, payload: [n, n, n, n] })));
    const b = new Outbox(ring(storage));
    expect(b.recovery).toEqual({ records: 3, segments: 1, damagedSlots: 0, tornTail: false, metadataLost: false, dropped: 0, legacyFiles: 0 });
    expect(storedRecords(b)).toEqual(storedRecords(a));
    expect(b.bootSeq).toBe(4);
    expect(b.append(record(4))).toBe(4);
    expect(segmentNames(storage)).toEqual(["outbox.s0"]);
    expect(storage.files.get("outbox.s0")?.length).toBe(4 * SLOT);
  });

  it("forgets acknowledged records, also after a restart, and ignores acks of sequence numbers not stored", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage));
    for (let i = 1; i <= 5; i++) a.append(record(i));
    expect(a.ack(2, 3)).toBe(2);
    expect(a.ack(3)).toBe(0);
    expect(a.ack(99)).toBe(0);
    expect(a.ack(0)).toBe(0);
    expect(a.ack(3, 6)).toBe(2); // 4 and 5: 3 was acknowledged already, 6 is not stored
    expect(storedSeqs(a)).toEqual([1]);
    const b = new Outbox(ring(storage));
    expect(storedSeqs(b)).toEqual([1]);
    expect(b.count).toBe(1);
  });

  it("reads a page of at most max records after a sequence number, skipping acknowledged ones, into a buffer it reuses", () => {
    const box = new Outbox(ring(new MemoryStorage(), { pageRecords: 3 }));
    for (let i = 1; i <= 9; i++) box.append(record(i));
    box.ack(4);
    const page = box.read(0, 2);
    expect([page.length, page.seq(0), page.seq(1)]).toEqual([2, 1, 2]);
    const first = page.payload(0);
    expect([...first]).toEqual([1, 1, 1, 1]);
    const next = box.read(2, 2);
    expect(next).toBe(page); // the same page, refilled: copy before reading again
    expect([...next.seqs.subarray(0, next.length)]).toEqual([3, 5]);
    expect([...first]).toEqual([3, 3, 3, 3]);
    expect(box.read(0, 100).length).toBe(3); // a page holds pageRecords
    expect(box.read(9).length).toBe(0);
    expect(box.read(-5, 1).seq(0)).toBe(1);
    expect(thrown(() => box.read(0.5), OutboxError).code).toBe("invalid-range");
    expect(thrown(() => box.read(0, -1), OutboxError).code).toBe("invalid-range");
  });

  it("keeps sequence numbers above every one handed out when everything was acknowledged, and keeps only the newest segment", () => {
    const storage = new MemoryStorage();
    let box = new Outbox(ring(storage));
    let last = 0;
    for (let round = 0; round < 20; round++) {
      const seq = box.append(record(round));
      expect(seq).toBe(last + 1);
      last = seq;
      expect(box.ack(seq)).toBe(1);
      box = new Outbox(ring(storage));
      expect(box.count).toBe(0);
      expect(box.nextSeq).toBe(last + 1);
      expect(segmentNames(storage)).toHaveLength(1);
    }
  });

  it("holds exactly its capacity, then drops the oldest segment's unacknowledged records, counted across restarts", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage));
    expect(a.capacity).toBe(16);
    for (let i = 1; i <= 16; i++) a.append(record(i));
    expect([a.count, a.drops, segmentNames(storage).length]).toEqual([16, 0, 4]);
    a.ack(6); // in the second segment
    expect(a.append(record(17))).toBe(17);
    expect([a.count, a.drops]).toEqual([12, 4]);
    expect(storedSeqs(a)[0]).toBe(5);
    const b = new Outbox(ring(storage));
    expect([b.count, b.drops]).toEqual([12, 4]);
    for (let i = 18; i <= 21; i++) b.append(record(i));
    expect(b.drops).toBe(4 + 3); // 5, 7, 8: 6 was acknowledged, not dropped
    expect(storedSeqs(b)).toEqual(Array.from({ length: 13 }, (_, i) => i + 9));
    expect(new Outbox(ring(storage)).drops).toBe(7);
  });

  it("applies a smaller ring to records stored under a larger one, once", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage));
    for (let i = 1; i <= 16; i++) a.append(record(i));
    const b = new Outbox(ring(storage, { maxBytes: 2 * 4 * SLOT }));
    expect(b.recovery.dropped).toBe(8);
    expect(b.drops).toBe(8);
    expect(storedSeqs(b)).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
    expect(segmentNames(storage)).toHaveLength(2);
    const c = new Outbox(ring(storage, { maxBytes: 2 * 4 * SLOT }));
    expect([c.recovery.dropped, c.drops, c.count]).toEqual([0, 8, 8]);
    expect(c.append(record(17))).toBe(17);
  });

  it("finds segments left beyond a ring that got smaller, and numbers past them", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage, { maxBytes: 8 * 4 * SLOT }));
    for (let i = 1; i <= 30; i++) a.append(record(i));
    a.ack(1, 20);
    expect(segmentNames(storage)).toEqual(["outbox.s5", "outbox.s6", "outbox.s7"]);
    const b = new Outbox(ring(storage, { maxBytes: 2 * 4 * SLOT }));
    expect(storedSeqs(b)).toEqual(Array.from({ length: 6 }, (_, i) => i + 25)); // 21..24 dropped with s5
    expect([b.drops, b.nextSeq]).toEqual([4, 31]);
    b.ack(25, 30);
    expect([b.append(record(31)), b.append(record(32)), b.append(record(33))]).toEqual([31, 32, 33]);
    expect(segmentNames(storage)).toEqual(["outbox.s0", "outbox.s7"]); // s7 filled up, then the ring's s0
    expect(storedSeqs(new Outbox(ring(storage, { maxBytes: 2 * 4 * SLOT })))).toEqual([31, 32, 33]);
  });

  it("drops records of another size at open, and numbers past them", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage));
    for (let i = 1; i <= 5; i++) a.append(record(i));
    a.ack(1);
    const b = new Outbox(ring(storage, { recordBytes: 6, maxBytes: 4 * 4 * (SLOT_OVERHEAD + 6) }));
    expect([b.recovery.dropped, b.count, b.drops, b.nextSeq]).toEqual([4, 0, 4, 6]);
    expect(b.append(new Uint8Array(6).fill(6))).toBe(6);
    expect(storedRecords(new Outbox(ring(storage, { recordBytes: 6, maxBytes: 4 * 4 * (SLOT_OVERHEAD + 6) })))).toEqual([{ seq: 6, payload: [6, 6, 6, 6, 6, 6] }]);
  });

  it("refuses a record of the wrong size with a typed error and stores nothing; bad ranges and options are typed errors", () => {
    const storage = new MemoryStorage();
    const box = new Outbox(ring(storage));
    box.append(record(1));
    const written = storage.bytesWritten;
    for (const bad of [new Uint8Array(R + 1), new Uint8Array(R - 1), [1, 2, 3, 4] as unknown as Uint8Array]) {
      expect(thrown(() => box.append(bad), OutboxError).code).toBe("wrong-size");
    }
    expect([storage.bytesWritten, box.nextSeq, storedSeqs(box)]).toEqual([written, 2, [1]]);
    expect(thrown(() => box.ack(3, 2), OutboxError).code).toBe("invalid-range");
    expect(thrown(() => box.ack(-1), OutboxError).code).toBe("invalid-range");
    expect(thrown(() => box.ack(1.5), OutboxError).code).toBe("invalid-range");
    expect(thrown(() => new Outbox({ storage, recordBytes: 0 }), OutboxError).code).toBe("invalid-options");
    expect(thrown(() => new Outbox(ring(storage, { maxBytes: 4 * SLOT * 2 - 1 })), OutboxError).code).toBe("invalid-options");
    expect(thrown(() => new Outbox(ring(storage, { ackRanges: 256 })), OutboxError).code).toBe("invalid-options");
  });

  it("deletes the first format's files without reading them", () => {
    const storage = new MemoryStorage();
    storage.files.set("outbox.0", new Uint8Array([0xb0, 0x0c, 4, 1, 0, 12, 0, 0, 0, 9, 1, 2, 3, 4]));
    storage.files.set("outbox.1", new Uint8Array(100).fill(0xb1));
    const box = new Outbox(ring(storage));
    expect(box.recovery).toMatchObject({ legacyFiles: 2, records: 0, metadataLost: false });
    expect([...storage.files.keys()]).toEqual([]);
    expect(box.append(record(1))).toBe(1);
  });
});

describe("outbox: acknowledged ranges", () => {
  it("acknowledges out of order in ranges above the mark, which the mark takes in once the gaps are acknowledged", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage));
    for (let i = 1; i <= 10; i++) a.append(record(i));
    expect(a.ack(3, 4)).toBe(2);
    expect(a.ack(7, 8)).toBe(2);
    expect(storedSeqs(a)).toEqual([1, 2, 5, 6, 9, 10]);
    expect(storedSeqs(new Outbox(ring(storage)))).toEqual([1, 2, 5, 6, 9, 10]);
    const { meta } = storedMeta(storage);
    expect([meta.acks.through, meta.acks.length]).toEqual([0, 2]);
    const b = new Outbox(ring(storage));
    b.ack(1, 2);
    b.ack(5, 6);
    expect(storedSeqs(b)).toEqual([9, 10]);
    const after = storedMeta(storage).meta;
    expect([after.acks.through, after.acks.length]).toEqual([8, 0]);
    expect(segmentNames(storage)).toEqual(["outbox.s2"]); // 1..8 went
  });

  it("when the ranges are full, keeps records unacknowledged rather than losing them: a refused or given-up range goes again", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage, { ackRanges: 2 }));
    for (let i = 1; i <= 10; i++) a.append(record(i));
    expect(a.ack(5)).toBe(1);
    expect(a.ack(7)).toBe(1);
    expect(a.ack(9)).toBe(0); // would be a third range above the others: refused
    expect(storedSeqs(a)).toEqual([1, 2, 3, 4, 6, 8, 9, 10]);
    expect(a.ack(3)).toBe(1); // lower: the highest range (7) is given up
    expect(storedSeqs(a)).toEqual([1, 2, 4, 6, 7, 8, 9, 10]);
    expect(a.count).toBe(8);
    expect(storedSeqs(new Outbox(ring(storage, { ackRanges: 2 })))).toEqual([1, 2, 4, 6, 7, 8, 9, 10]);
    // In order, as the app acknowledges, nothing is ever refused.
    for (const seq of [1, 2, 4, 6, 7, 8, 9, 10]) expect(a.ack(seq)).toBe(1);
    expect(a.count).toBe(0);
  });

  it("moves the mark over seqs that hold nothing: numbers spent by a torn append, and a damaged slot", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage, { ackRanges: 1 }));
    for (let i = 1; i <= 3; i++) a.append(record(i));
    storage.armPowerLoss(() => 2);
    expect(() => a.append(record(4))).toThrow(PowerLossError); // 4 is spent, torn
    const b = new Outbox(ring(storage, { ackRanges: 1 }));
    for (let i = 5; i <= 7; i++) b.append(record(i)); // a new segment from 5
    const s0 = storage.files.get("outbox.s0") as Uint8Array;
    s0[1 * SLOT + 6] ^= 0x40; // slot of seq 2
    const c = new Outbox(ring(storage, { ackRanges: 1 }));
    expect(storedSeqs(c)).toEqual([1, 3, 5, 6, 7]);
    expect(c.ack(3)).toBe(1);
    expect(c.ack(5)).toBe(0); // a second range: no room
    expect(c.ack(1)).toBe(1); // the mark takes in 1, then 2 (damaged) and 3
    expect(c.ack(5, 6)).toBe(2); // and now 4 (never stored whole) and 5..6
    expect(storedMeta(storage).meta.acks.through).toBe(6);
    expect(storedSeqs(c)).toEqual([7]);
    expect(segmentNames(storage)).toEqual(["outbox.s1"]);
  });
});

describe("outbox: power loss, damage and sequence numbers", () => {
  it("discards a torn last append at every cut point, keeps everything before it, counts it once, and never reuses its number", () => {
    for (let keep = 0; keep <= SLOT; keep++) {
      const storage = new MemoryStorage();
      const a = new Outbox(ring(storage));
      a.append(record(1));
      storage.armPowerLoss(() => keep);
      expect(() => a.append(record(9))).toThrow(PowerLossError);
      const b = new Outbox(ring(storage));
      const torn = keep > 0 && keep < SLOT;
      expect(b.recovery.tornTail).toBe(torn);
      expect(b.recovery.damagedSlots).toBe(torn ? 1 : 0);
      expect(b.damaged).toBe(torn ? 1 : 0);
      expect(storedSeqs(b)).toEqual(keep === SLOT ? [1, 2] : [1]);
      // Seq 2 went to the torn slot: the next number is past it; with nothing written, 2 was never anywhere.
      const next = b.append(record(4));
      expect(next).toBe(keep === 0 ? 2 : 3);
      // Never appended after a torn slot: the record went to a new segment.
      expect(segmentNames(storage)).toHaveLength(torn ? 2 : 1);
      const c = new Outbox(ring(storage));
      expect([c.recovery.damagedSlots, c.recovery.tornTail, c.damaged]).toEqual([0, false, torn ? 1 : 0]);
      expect(storedSeqs(c)).toEqual(keep === SLOT ? [1, 2, 3] : [1, next]);
    }
  });

  it("a torn first slot of a new segment never gives its numbers again: the reservation is on flash first", () => {
    for (let keep = 0; keep <= SLOT; keep++) {
      const storage = new MemoryStorage();
      const a = new Outbox(ring(storage));
      for (let i = 1; i <= 4; i++) a.append(record(i)); // the first segment is full
      storage.armPowerLoss(() => keep, 2); // after both metadata copies: the new segment's first slot
      expect(() => a.append(record(5))).toThrow(PowerLossError);
      const b = new Outbox(ring(storage));
      expect(storedSeqs(b)).toEqual(keep === SLOT ? [1, 2, 3, 4, 5] : [1, 2, 3, 4]);
      expect(b.recovery.damagedSlots).toBe(keep > 0 && keep < SLOT ? 1 : 0);
      // 5 was handed out: the next number is past the reservation made for its segment (5 + 4).
      expect(b.append(record(6))).toBe(keep === SLOT ? 6 : 9);
    }
  });

  it("keeps working after a failed append in the same boot: the partial slot is skipped on the next boot", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage));
    a.append(record(1));
    storage.armPowerLoss((length) => length - 3); // a flash write error that left part of a slot
    expect(() => a.append(record(2))).toThrow(PowerLossError);
    expect(a.append(record(3))).toBe(3); // the failed record spent its number; this one starts a segment
    expect(storedSeqs(a)).toEqual([1, 3]);
    const b = new Outbox(ring(storage));
    expect(storedSeqs(b)).toEqual([1, 3]);
    expect([b.recovery.damagedSlots, b.damaged, b.recovery.tornTail]).toEqual([1, 1, false]);
  });

  it("skips a damaged slot in the middle, keeps the records after it and counts it once", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage));
    for (let i = 1; i <= 3; i++) a.append(record(i));
    const s0 = storage.files.get("outbox.s0") as Uint8Array;
    s0[SLOT + 6] ^= 0x10; // a bit flip in record 2's payload
    const b = new Outbox(ring(storage));
    expect(storedSeqs(b)).toEqual([1, 3]);
    expect([b.count, b.recovery.damagedSlots, b.damaged, b.recovery.tornTail]).toEqual([2, 1, 1, false]);
    expect(b.append(record(4))).toBe(4); // the last slot checks out: the segment goes on
    const c = new Outbox(ring(storage));
    expect([c.recovery.damagedSlots, c.damaged, c.count]).toEqual([0, 1, 3]);
    expect(c.ack(1, 4)).toBe(3);
    expect(c.count).toBe(0);
  });

  it("skips a slot damaged while running, and counts it then", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage));
    for (let i = 1; i <= 3; i++) a.append(record(i));
    (storage.files.get("outbox.s0") as Uint8Array)[SLOT + 1] ^= 0x01; // seq 2's number
    expect(storedSeqs(a)).toEqual([1, 3]);
    expect([a.count, a.damaged]).toEqual([2, 1]);
    expect(storedSeqs(a)).toEqual([1, 3]);
    expect([a.count, a.damaged]).toEqual([2, 1]);
    a.ack(1); // writes the metadata: the damage is on flash and not counted again at the next boot
    const b = new Outbox(ring(storage));
    expect([b.count, b.damaged, b.recovery.damagedSlots]).toEqual([1, 1, 0]);
  });

  it("falls back to the older metadata copy when the newer is damaged: acknowledged records may go again, never get lost", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage));
    for (let i = 1; i <= 5; i++) a.append(record(i));
    a.ack(1);
    a.ack(2);
    const { meta } = storedMeta(storage);
    const newer = meta.generation % 2 === 1 ? "outbox.m0" : "outbox.m1";
    expect(storage.files.has(newer)).toBe(true);
    (storage.files.get(newer) as Uint8Array)[14] ^= 0xff;
    const b = new Outbox(ring(storage));
    expect(storedSeqs(b)).toEqual([2, 3, 4, 5]);
    expect([b.recovery.metadataLost, b.nextSeq]).toEqual([false, 6]);
  });

  it("loses no record and reuses no number when both metadata copies are lost: the numbers go on from the newest segment", () => {
    const storage = new MemoryStorage();
    const a = new Outbox(ring(storage));
    for (let i = 1; i <= 6; i++) a.append(record(i));
    a.ack(1, 5); // the first segment goes; 6 is left in the second
    a.ack(6); // everything acknowledged: the newest segment stays all the same
    storage.files.set("outbox.m0", new Uint8Array(40));
    storage.delete("outbox.m1");
    const b = new Outbox(ring(storage));
    expect(b.recovery).toMatchObject({ metadataLost: true, records: 2, segments: 1 });
    expect(storedSeqs(b)).toEqual([5, 6]); // acknowledged before, sent again: duplicates, not a loss
    expect(b.append(record(7))).toBe(7);
    expect(new Outbox(ring(storage)).recovery.metadataLost).toBe(false);
  });

  it("reuses no number when every file but one is lost: only the newest segment, or only either metadata copy", () => {
    const fill = () => {
      const storage = new MemoryStorage();
      const box = new Outbox(ring(storage));
      for (let i = 1; i <= 8; i++) box.append(record(i)); // s0: 1..4, s1: 5..8
      box.ack(1, 3);
      box.append(record(9)); // s2 from 9: reserved below 13, the last metadata write
      box.append(record(10));
      return storage;
    };
    const only = (storage: MemoryStorage, keep: string) => {
      for (const name of [...storage.files.keys()]) if (name !== keep) storage.delete(name);
      return new Outbox(ring(storage));
    };
    const newest = only(fill(), "outbox.s2");
    expect(storedSeqs(newest)).toEqual([9, 10]);
    expect(newest.append(record(11))).toBe(11);
    for (const copy of ["outbox.m0", "outbox.m1"]) {
      const metaOnly = only(fill(), copy);
      expect([metaOnly.count, metaOnly.recovery.metadataLost]).toEqual([0, false]);
      expect(metaOnly.append(record(13))).toBe(13);
    }
  });

  it("a power loss during an acknowledgement's metadata write, at any byte, leaves the state before or after it", () => {
    const length = storedMetaLength();
    for (let keep = 0; keep <= length; keep++) {
      const storage = new MemoryStorage();
      const a = new Outbox(ring(storage));
      for (let i = 1; i <= 6; i++) a.append(record(i));
      a.ack(1);
      storage.armPowerLoss(() => keep);
      expect(() => a.ack(2, 5)).toThrow(PowerLossError);
      const b = new Outbox(ring(storage));
      expect(storedSeqs(b)).toEqual(keep === length ? [6] : [2, 3, 4, 5, 6]);
      expect([b.recovery.metadataLost, b.nextSeq]).toEqual([false, 7]);
    }
  });

  it("drops are on flash before the oldest segment's file goes: a power loss in between counts them once", () => {
    for (const afterWrites of [0, 1, 2]) {
      const storage = new MemoryStorage();
      const a = new Outbox(ring(storage));
      for (let i = 1; i <= 16; i++) a.append(record(i));
      // The 17th drops the first segment: both metadata copies (drops, reservation), delete, first slot.
      storage.armPowerLoss((length) => length, afterWrites);
      expect(() => a.append(record(17))).toThrow(PowerLossError);
      const b = new Outbox(ring(storage));
      expect(b.drops).toBe(4); // the first metadata copy alone carries them
      expect(storedSeqs(b)).toEqual([...Array.from({ length: 12 }, (_, i) => i + 5), ...(afterWrites === 2 ? [17] : [])]);
      expect(segmentNames(storage)).toHaveLength(afterWrites === 2 ? 4 : 3);
      expect(new Outbox(ring(storage)).drops).toBe(4);
    }
  });
});

/** Bytes of the metadata with no acknowledged ranges. */
function storedMetaLength(): number {
  const storage = new MemoryStorage();
  const box = new Outbox(ring(storage));
  box.append(record(1));
  box.ack(1);
  return Math.min(storage.size("outbox.m0") ?? Infinity, storage.size("outbox.m1") ?? Infinity);
}

describe("outbox: property — damaged files never crash the boot or invent records", () => {
  it("opens after random bit flips, overwrites and truncation of any file, and returns only records that were written, in order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }),
        fc.option(fc.tuple(fc.nat(), fc.nat())),
        (appends, flips, cut) => {
          const storage = new MemoryStorage();
          const box = new Outbox(ring(storage));
          const written = new Map<number, string>();
          for (let i = 0; i < appends; i++) {
            const payload = new Uint8Array([i, i * 3, 7, appends]);
            written.set(box.append(payload), JSON.stringify([...payload]));
          }
          box.ack(2, 3);
          const undamaged = storedSeqs(box);
          const names = [...storage.files.keys()].sort();
          for (const [file, at, mask] of flips) {
            const bytes = storage.files.get(names[file % names.length]) as Uint8Array;
            if (bytes.length > 0) bytes[at % bytes.length] ^= mask;
          }
          if (cut !== null) {
            const name = names[cut[0] % names.length];
            const bytes = storage.files.get(name) as Uint8Array;
            storage.files.set(name, bytes.subarray(0, cut[1] % (bytes.length + 1)));
          }
          const reopened = new Outbox(ring(storage));
          const records = storedRecords(reopened);
          const seqs = records.map((r) => r.seq);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          expect(new Set(seqs).size).toBe(seqs.length);
          for (const r of records) expect(JSON.stringify(r.payload)).toBe(written.get(r.seq));
          expect(reopened.count).toBe(records.length);
          if (flips.length === 0 && cut === null) expect(seqs).toEqual(undamaged);
          // It keeps working: a new record gets a number above everything it still holds.
          const next = reopened.append(record(1));
          expect(next).toBeGreaterThan(Math.max(0, ...seqs));
          const after = storedSeqs(reopened);
          expect(after[after.length - 1]).toBe(next);
          expect(storedSeqs(new Outbox(ring(storage)))).toEqual(after);
        },
      ),
      { seed: 99, numRuns: 400 },
    );
  });
});

describe("outbox: flash wear", () => {
  it("writes one slot per reading, and one small metadata copy per acknowledgement, whatever the depth", () => {
    const storage = new MemoryStorage();
    const recordBytes = 11;
    const box = new Outbox({ storage, recordBytes });
    const slot = SLOT_OVERHEAD + recordBytes;
    const payload = new Uint8Array(recordBytes);
    // Appends alone: the slot, and a reservation in both metadata copies per segment.
    const readings = 5 * box.segmentRecords;
    for (let i = 0; i < readings; i++) box.append(payload);
    const perReading = storage.bytesWritten / readings;
    expect(perReading).toBeGreaterThanOrEqual(slot);
    expect(perReading).toBeLessThanOrEqual(slot + (2 * 40) / box.segmentRecords);
    expect(storage.writes).toBe(5 * 3); // per segment: two metadata copies and the first slot
    // Acknowledging batches of 12 in order, 2,560 records deep: one 40-byte copy each.
    const before = storage.bytesWritten;
    for (let seq = 1; seq <= 120; seq += 12) box.ack(seq, seq + 11);
    expect((storage.bytesWritten - before) / 10).toBe(40);
    // ...the same deeper in the ring, and the same when a range waits above the mark.
    const deep = storage.bytesWritten;
    box.ack(1000, 1011);
    box.ack(121, 132);
    expect(storage.bytesWritten - deep).toBe(48 + 48);
  });
});

describe("outbox: property — append/ack/restart/power loss never lose or reorder an unacknowledged record", () => {
  type Op =
    | { kind: "append"; fill: number }
    | { kind: "ack"; from: number; span: number }
    | { kind: "restart" }
    | { kind: "powerLoss"; afterWrites: number; keep: number; then: "append" | "ack" | "restart"; from: number };

  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant("append" as const), fill: fc.nat(255) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("ack" as const), from: fc.nat(20), span: fc.nat(4) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("powerLoss" as const),
        afterWrites: fc.nat(3),
        keep: fc.double({ min: 0, max: 1, noNaN: true }),
        then: fc.constantFrom("append" as const, "ack" as const, "restart" as const),
        from: fc.nat(20),
      }),
    },
  );

  interface TornStorage extends Storage {
    armPowerLoss(keep: (length: number) => number, afterWrites: number): void;
    disarm(): void;
  }
  const propertyDirs: string[] = [];
  afterEach(() => {
    for (const d of propertyDirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const kinds: [string, () => TornStorage, number][] = [
    ["in memory", () => new MemoryStorage(), 400],
    [
      "on files (FileStorage, fsync)",
      () => {
        const dir = mkdtempSync(join(tmpdir(), "outbox-prop-"));
        propertyDirs.push(dir);
        const files = new FileStorage(dir);
        return Object.assign(files, {
          armPowerLoss: (keep: (length: number) => number, afterWrites: number) => FileStorage.prototype.armPowerLoss.call(files, keep, Math.random, afterWrites),
        });
      },
      40,
    ],
  ];

  it.each(kinds)("holds for random operation sequences, %s", (_kind, makeStorage, numRuns) => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 4 }), (ops, segmentRecords, files) => {
        const storage = makeStorage();
        const options = { storage, recordBytes: R, segmentRecords, maxBytes: files * segmentRecords * SLOT, ackRanges: 64 };
        const segmentFiles = () => Array.from({ length: files + 2 }, (_, k) => storage.size(`outbox.s${k}`)).filter((s) => s !== undefined).length;
        let box = new Outbox(options);
        /** What must be stored: seq -> payload, oldest first. */
        let model = new Map<number, number[]>();
        let highestIssued = 0;
        const key = (records: Map<number, number[]>) => JSON.stringify([...records]);
        const contents = () => new Map(storedRecords(box).map((r) => [r.seq, r.payload]));
        /** The outbox now holds `model` less a prefix of its oldest records (dropped only when allowed, and
         *  counted), plus perhaps one record `extra`; returns what it holds. */
        const settle = (dropsBefore: number, mayDrop: boolean, extra?: [number, number[]]) => {
          const found = contents();
          const seqs = [...found.keys()];
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          const kept = [...model].filter(([seq]) => found.has(seq));
          const lost = model.size - kept.length;
          // Only a prefix of the oldest may be gone, and only by a drop that is counted.
          expect([...model].slice(lost).map(([seq]) => seq)).toEqual(kept.map(([seq]) => seq));
          expect(box.drops - dropsBefore).toBe(lost);
          if (!mayDrop) expect(lost).toBe(0);
          for (const [seq, payload] of found) {
            if (model.has(seq)) expect(payload).toEqual(model.get(seq));
            else expect(extra && seq === extra[0] && JSON.stringify(payload) === JSON.stringify(extra[1])).toBe(true);
          }
          expect(box.count).toBe(found.size);
          expect(box.count).toBeLessThanOrEqual(box.capacity);
          for (const seq of seqs) highestIssued = Math.max(highestIssued, seq);
          expect(box.nextSeq).toBeGreaterThan(highestIssued);
          model = found;
        };
        const ackRange = (from: number, span: number) => {
          const live = [...model.keys()];
          const first = live.length === 0 ? 1 : live[from % live.length];
          return { first, last: first + span };
        };
        const append = (fill: number) => {
          const payload = [fill, fill, fill ^ 0xff, fill];
          const full = segmentFiles() >= files;
          const drops = box.drops;
          const seq = box.append(new Uint8Array(payload));
          expect(seq).toBeGreaterThan(highestIssued);
          highestIssued = seq;
          model.set(seq, payload);
          settle(drops, full);
        };
        for (const o of ops) {
          if (o.kind === "append") append(o.fill);
          else if (o.kind === "ack") {
            const { first, last } = ackRange(o.from, o.span);
            const live = [...model.keys()].filter((s) => s >= first && s <= last).length;
            expect(box.ack(first, last)).toBe(live);
            for (const seq of [...model.keys()]) if (seq >= first && seq <= last) model.delete(seq);
            settle(box.drops, false);
          } else if (o.kind === "restart") {
            const drops = box.drops;
            box = new Outbox(options);
            settle(drops, false);
          } else {
            // A power loss during some write of the next operation, then a reboot. The operation happened
            // wholly or not at all, except that an append's drops may have happened without its record.
            storage.armPowerLoss((length) => Math.floor(o.keep * (length + 1)), o.afterWrites);
            const drops = box.drops;
            const full = segmentFiles() >= files;
            const attempted = box.nextSeq;
            const payload = [o.from, 1, 2, 3];
            let acked: number[] = [];
            let failed = false;
            try {
              if (o.then === "append") {
                const seq = box.append(new Uint8Array(payload));
                expect(seq).toBe(attempted);
              } else if (o.then === "ack") {
                const { first, last } = ackRange(o.from, 2);
                acked = [...model.keys()].filter((s) => s >= first && s <= last);
                box.ack(first, last);
              } else {
                box = new Outbox(options);
              }
            } catch (e) {
              if (!(e instanceof PowerLossError)) throw e;
              failed = true;
            }
            storage.disarm();
            box = new Outbox(options);
            const found = contents();
            // An acknowledgement is on flash wholly or not at all.
            if (acked.length > 0) {
              const gone = acked.filter((s) => !found.has(s)).length;
              expect([0, acked.length]).toContain(gone);
              if (!failed) expect(gone).toBe(acked.length);
              for (const s of acked) if (!found.has(s)) model.delete(s);
            }
            if (o.then === "append") {
              if (!failed) expect(found.has(attempted)).toBe(true);
              if (found.has(attempted)) model.set(attempted, payload);
              // Once any of its slot reached the flash, its number is spent for good. (A write that left
              // nothing may give it again: the append failed, so nothing was published with it.)
              if (found.has(attempted) || box.recovery.tornTail || box.recovery.damagedSlots > 0) highestIssued = Math.max(highestIssued, attempted);
            }
            settle(drops, o.then === "append" && full);
          }
        }
        const drops = box.drops;
        box = new Outbox(options);
        settle(drops, false);
        expect(key(contents())).toBe(key(model));
      }),
      { seed: 20261122, numRuns },
    );
  });
});

describe("outbox on files (FileStorage)", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("replays after a restart, discards a torn append and keeps to its own file names", () => {
    const dir = mkdtempSync(join(tmpdir(), "outbox-"));
    dirs.push(dir);
    const storage = new FileStorage(dir);
    const a = new Outbox(ring(storage));
    a.append(record(1));
    a.append(record(2));
    a.ack(1);
    storage.armPowerLoss(undefined, () => 0.5);
    expect(() => a.append(record(3))).toThrow(PowerLossError);
    const b = new Outbox(ring(new FileStorage(dir)));
    expect(b.recovery.tornTail).toBe(true);
    expect(storedRecords(b)).toEqual([{ seq: 2, payload: [2, 2, 2, 2] }]);
    expect(b.append(record(4))).toBe(4); // 3 went to the torn slot
    expect(readdirSync(dir).sort()).toEqual(["outbox.m0", "outbox.m1", "outbox.s0", "outbox.s1"]);
    expect(storedSeqs(new Outbox(ring(new FileStorage(dir))))).toEqual([2, 4]);
  });
});
