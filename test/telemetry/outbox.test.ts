import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { mkdtempSync, rmSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Outbox, OutboxError, type OutboxRecord } from "../../firmware/telemetry/outbox.js";
import type { Storage } from "../../firmware/platform/ports.js";
import { FRAME_HEADER_BYTES } from "../../firmware/telemetry/outbox-frame.js";
import { FileStorage, PowerLossError } from "../../host-sim/platform/file-storage.js";
import { MemoryStorage } from "../../support/memory-storage.js";

const bytes = (...values: number[]) => new Uint8Array(values);
const payloads = (records: OutboxRecord[]) => records.map((r) => [r.seq, [...r.payload]]);

describe("outbox: store and forward", () => {
  it("numbers records from 1, returns them oldest first and replays them after a restart", () => {
    const storage = new MemoryStorage();
    const a = new Outbox({ storage });
    expect(a.append(bytes(1))).toBe(1);
    expect(a.append(bytes(2, 2))).toBe(2);
    expect(a.append(bytes())).toBe(3);
    expect(payloads(a.peek())).toEqual([[1, [1]], [2, [2, 2]], [3, []]]);
    const b = new Outbox({ storage });
    expect(b.recovery).toEqual({ records: 3, discardedBytes: 0, damagedRegions: 0, tornTail: false, headerLost: false });
    expect(payloads(b.peek())).toEqual([[1, [1]], [2, [2, 2]], [3, []]]);
    expect(b.bootSeq).toBe(4);
    expect(b.append(bytes(4))).toBe(4);
  });

  it("forgets acknowledged records, also after a restart, and ignores acks of unknown sequence numbers", () => {
    const storage = new MemoryStorage();
    const a = new Outbox({ storage });
    for (let i = 0; i < 5; i++) a.append(bytes(i));
    expect(a.ack(2, 3)).toBe(2);
    expect(a.ack(3)).toBe(0);
    expect(a.ack(99)).toBe(0);
    expect(a.peek().map((r) => r.seq)).toEqual([1, 4, 5]);
    const b = new Outbox({ storage });
    expect(b.peek().map((r) => r.seq)).toEqual([1, 4, 5]);
    expect(b.count).toBe(3);
    expect(b.bytes).toBe(3 * (FRAME_HEADER_BYTES + 1));
  });

  it("peeks a limited number of records after a given sequence number", () => {
    const a = new Outbox({ storage: new MemoryStorage() });
    for (let i = 0; i < 6; i++) a.append(bytes(i));
    expect(a.peek(2).map((r) => r.seq)).toEqual([1, 2]);
    expect(a.peek(2, 2).map((r) => r.seq)).toEqual([3, 4]);
    expect(a.peek(10, 6)).toEqual([]);
  });

  it("keeps sequence numbers monotonic across restarts even when everything was acknowledged and compacted", () => {
    const storage = new MemoryStorage();
    let box = new Outbox({ storage, maxBytes: 64 });
    let last = 0;
    for (let round = 0; round < 20; round++) {
      const seq = box.append(bytes(round));
      expect(seq).toBeGreaterThan(last);
      last = seq;
      box.ack(seq);
      if (round % 3 === 0) box.compact();
      box = new Outbox({ storage, maxBytes: 64 });
      expect(box.count).toBe(0);
      expect(box.nextSeq).toBe(last + 1);
    }
  });

  it("drops the oldest records first when the byte bound is reached, and counts the drops persistently", () => {
    const storage = new MemoryStorage();
    const frame = FRAME_HEADER_BYTES + 10;
    const a = new Outbox({ storage, maxBytes: 3 * frame });
    for (let i = 1; i <= 5; i++) a.append(new Uint8Array(10).fill(i));
    expect(a.peek().map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(a.drops).toBe(2);
    expect(a.bytes).toBeLessThanOrEqual(a.maxBytes);
    const b = new Outbox({ storage, maxBytes: 3 * frame });
    expect(b.drops).toBe(2);
    expect(b.peek().map((r) => r.seq)).toEqual([3, 4, 5]);
    b.compact();
    const c = new Outbox({ storage, maxBytes: 3 * frame });
    expect(c.drops).toBe(2);
    // A larger record evicts as many old ones as it needs.
    c.append(new Uint8Array(2 * frame - FRAME_HEADER_BYTES));
    expect(c.peek().map((r) => r.seq)).toEqual([5, 6]);
    expect(c.drops).toBe(4);
  });

  it("applies a smaller bound to records stored under a larger one, once", () => {
    const storage = new MemoryStorage();
    const a = new Outbox({ storage, maxBytes: 1000 });
    for (let i = 0; i < 10; i++) a.append(new Uint8Array(6));
    const b = new Outbox({ storage, maxBytes: 5 * 20 });
    expect(b.peek().map((r) => r.seq)).toEqual([6, 7, 8, 9, 10]);
    expect(b.drops).toBe(5);
    const c = new Outbox({ storage, maxBytes: 5 * 20 });
    expect(c.drops).toBe(5);
  });

  it("refuses a record larger than the bound with a typed error and stores nothing", () => {
    const storage = new MemoryStorage();
    const a = new Outbox({ storage, maxBytes: 40 });
    a.append(bytes(1));
    const error = (() => {
      try {
        a.append(new Uint8Array(40));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(OutboxError);
    expect((error as OutboxError).code).toBe("record-too-large");
    expect(a.peek().map((r) => r.seq)).toEqual([1]);
    expect(() => a.ack(3, 2)).toThrow(expect.objectContaining({ code: "invalid-range" }));
  });
});

describe("outbox: power loss and damage", () => {
  it("discards a torn last append at every possible cut point, keeps everything before it, counts it, and never reuses its number", () => {
    const probe = new MemoryStorage();
    new Outbox({ storage: probe }).append(bytes(1, 2, 3));
    const recordFrame = FRAME_HEADER_BYTES + 5;
    for (let keep = 0; keep < recordFrame; keep++) {
      const storage = new MemoryStorage();
      const a = new Outbox({ storage });
      a.append(bytes(1, 2, 3));
      storage.armPowerLoss(() => keep);
      expect(() => a.append(bytes(9, 9, 9, 9, 9))).toThrow(PowerLossError);
      const b = new Outbox({ storage });
      expect(b.recovery.tornTail).toBe(keep > 0);
      expect(b.recovery.discardedBytes).toBe(keep);
      expect(b.damaged).toBe(keep > 0 ? 1 : 0);
      expect(payloads(b.peek())).toEqual([[1, [1, 2, 3]]]);
      // Seq 2 went to the torn record (the flash may have reported it written): the next number is past it,
      // and past any other frame the torn bytes could have held. With nothing written at all, 2 was never
      // anywhere and is the next number.
      const next = b.append(bytes(4));
      if (keep === 0) expect(next).toBe(2);
      else expect(next).toBe(2 + Math.ceil(keep / FRAME_HEADER_BYTES));
      // The torn bytes are gone: appends continue cleanly, the next boot finds no damage, the count stays.
      const c = new Outbox({ storage });
      expect(c.recovery.discardedBytes).toBe(0);
      expect(c.damaged).toBe(keep > 0 ? 1 : 0);
      expect(payloads(c.peek())).toEqual([[1, [1, 2, 3]], [next, [4]]]);
    }
  });

  it("keeps working after a failed append in the same boot: the partial frame is skipped on the next boot", () => {
    const storage = new MemoryStorage();
    const a = new Outbox({ storage });
    a.append(bytes(1));
    storage.armPowerLoss((length) => length - 3); // a flash write error that left part of a frame
    expect(() => a.append(bytes(2, 2, 2, 2, 2, 2))).toThrow(PowerLossError);
    expect(a.append(bytes(3))).toBe(3); // the failed record spent its sequence number
    const b = new Outbox({ storage });
    expect(payloads(b.peek())).toEqual([[1, [1]], [3, [3]]]);
    expect(b.recovery.discardedBytes).toBe(FRAME_HEADER_BYTES + 6 - 3);
    expect(b.recovery.damagedRegions).toBe(1);
    expect(b.damaged).toBe(1);
    expect(b.recovery.tornTail).toBe(false);
  });

  it("skips a damaged record in the middle and keeps the records after it", () => {
    const storage = new MemoryStorage();
    const a = new Outbox({ storage });
    for (let i = 1; i <= 3; i++) a.append(new Uint8Array(8).fill(i));
    const [name, file] = [...storage.files][0];
    const damaged = file.slice();
    const second = damaged.length - 2 * (FRAME_HEADER_BYTES + 8);
    damaged[second + FRAME_HEADER_BYTES + 3] ^= 0x10; // a bit flip in record 2's payload
    storage.files.set(name, damaged);
    const b = new Outbox({ storage });
    expect(b.peek().map((r) => r.seq)).toEqual([1, 3]);
    expect(b.recovery.discardedBytes).toBe(FRAME_HEADER_BYTES + 8);
    expect(b.recovery.tornTail).toBe(false);
  });

  it("survives a power loss during compaction (old snapshot kept) and right after it (newer snapshot wins)", () => {
    for (const keep of [0, 5, 30, "all"] as const) {
      const storage = new MemoryStorage();
      const a = new Outbox({ storage });
      for (let i = 1; i <= 4; i++) a.append(bytes(i));
      a.ack(1);
      storage.armPowerLoss((length) => (keep === "all" ? length : keep));
      expect(() => a.compact()).toThrow(PowerLossError);
      if (keep === "all") expect(storage.files.size).toBe(2);
      const b = new Outbox({ storage });
      expect(payloads(b.peek())).toEqual([[2, [2]], [3, [3]], [4, [4]]]);
      expect(storage.files.size).toBe(1);
      expect(b.append(bytes(5))).toBe(5);
      expect(new Outbox({ storage }).peek().map((r) => r.seq)).toEqual([2, 3, 4, 5]);
    }
  });

  it("salvages records when the header frame is damaged, and says so", () => {
    const storage = new MemoryStorage();
    const a = new Outbox({ storage });
    a.append(bytes(7));
    a.append(bytes(8));
    const [name, file] = [...storage.files][0];
    const damaged = file.slice();
    damaged[6] ^= 0xff; // the header frame's seq field: its CRC no longer matches
    storage.files.set(name, damaged);
    const b = new Outbox({ storage });
    expect(b.recovery.headerLost).toBe(true);
    expect(payloads(b.peek())).toEqual([[1, [7]], [2, [8]]]);
    expect(b.append(bytes(9))).toBe(3);
  });
});

describe("outbox: property — damaged files never crash the boot or invent records", () => {
  it("opens after random bit flips, overwrites and truncation, and returns only records that were written, in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 30 }), { minLength: 1, maxLength: 25 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }),
        fc.option(fc.nat()),
        (records, flips, cutAt) => {
          const storage = new MemoryStorage();
          const box = new Outbox({ storage, maxBytes: 4096 });
          const written = new Map<number, string>();
          for (const r of records) written.set(box.append(r), JSON.stringify([...r]));
          box.ack(2, 3);
          const [name, file] = [...storage.files][0];
          let damaged = file.slice();
          for (const [at, mask] of flips) damaged[at % damaged.length] ^= mask;
          if (cutAt !== null) damaged = damaged.subarray(0, cutAt % (damaged.length + 1));
          storage.files.set(name, damaged);
          const reopened = new Outbox({ storage, maxBytes: 4096 });
          const seqs = reopened.peek().map((r) => r.seq);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          for (const r of reopened.peek()) expect(JSON.stringify([...r.payload])).toBe(written.get(r.seq));
          if (flips.length === 0 && cutAt === null) expect(seqs).toEqual([...written.keys()].filter((s) => s < 2 || s > 3));
          // It keeps working: a new record gets a sequence number above everything it still holds.
          const next = reopened.append(new Uint8Array([1]));
          expect(next).toBeGreaterThan(Math.max(0, ...seqs));
        },
      ),
      { seed: 99, numRuns: 300 },
    );
  });
});

describe("outbox: flash wear", () => {
  it("acknowledges by appending small markers and rewrites only when compacting, keeping the file bounded", () => {
    const storage = new MemoryStorage();
    const maxBytes = 1024;
    const box = new Outbox({ storage, maxBytes });
    const payloadBytes = 26;
    let appended = 0;
    for (let i = 0; i < 2000; i++) {
      const seq = box.append(new Uint8Array(payloadBytes).fill(i & 0xff));
      appended += payloadBytes + FRAME_HEADER_BYTES;
      if (i % 10 === 9) box.ack(seq - 9, seq);
      expect(box.fileBytes).toBeLessThanOrEqual(box.compactBytes);
    }
    // Each compaction rewrites at most maxBytes and happens after at least ~maxBytes of appends.
    const rewrites = storage.writes;
    expect(rewrites).toBeGreaterThan(0);
    expect(rewrites).toBeLessThan(2000 / 20);
    expect(storage.bytesWritten).toBeLessThan(2 * appended);
    expect(box.count).toBe(0);
  });
});

describe("outbox: property — append/ack/restart/power loss never lose or reorder an unacked record", () => {
  type Op =
    | { kind: "append"; size: number; fill: number }
    | { kind: "ack"; from: number; span: number }
    | { kind: "restart" }
    | { kind: "compact" }
    | { kind: "powerLoss"; afterWrites: number; keep: number; then: "append" | "ack" | "compact"; size: number };

  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("append" as const), size: fc.nat(40), fill: fc.nat(255) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("ack" as const), from: fc.nat(20), span: fc.nat(4) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("compact" as const) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("powerLoss" as const),
        afterWrites: fc.nat(2),
        keep: fc.double({ min: 0, max: 1, noNaN: true }),
        then: fc.constantFrom("append" as const, "ack" as const, "compact" as const),
        size: fc.nat(40),
      }),
    },
  );

  const key = (records: OutboxRecord[]) => JSON.stringify(payloads(records));

  interface TornStorage extends Storage {
    armPowerLoss(keep: (length: number) => number, afterWrites: number): void;
    disarm(): void;
  }
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
  const propertyDirs: string[] = [];
  afterEach(() => {
    for (const d of propertyDirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it.each(kinds)("holds for random operation sequences, %s", (_kind, makeStorage, numRuns) => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 80, max: 400 }), (ops, maxBytes) => {
        const storage = makeStorage();
        const options = { storage, maxBytes, compactBytes: maxBytes + 120 };
        let box = new Outbox(options);
        let model: OutboxRecord[] = [];
        let highestIssued = 0;
        const check = () => {
          expect(key(box.peek())).toBe(key(model));
          expect(box.bytes).toBeLessThanOrEqual(maxBytes);
          expect(box.fileBytes).toBeLessThanOrEqual(options.compactBytes);
        };
        // What an append does to the model: oldest dropped until the new frame fits, then pushed.
        const afterDrops = (records: OutboxRecord[], size: number) => {
          const kept = records.slice();
          let live = kept.reduce((n, r) => n + FRAME_HEADER_BYTES + r.payload.length, 0);
          while (live + FRAME_HEADER_BYTES + size > maxBytes) live -= FRAME_HEADER_BYTES + (kept.shift() as OutboxRecord).payload.length;
          return kept;
        };
        const appendTo = (payload: Uint8Array) => {
          const seq = box.append(payload);
          expect(seq).toBeGreaterThan(highestIssued);
          highestIssued = seq;
          return seq;
        };
        const ackRange = (from: number, span: number) => {
          const live = model.map((r) => r.seq);
          if (live.length === 0) return { first: 1, last: 1 };
          const first = live[from % live.length];
          return { first, last: first + span };
        };
        for (const o of ops) {
          if (o.kind === "append") {
            const payload = new Uint8Array(o.size).fill(o.fill);
            model = afterDrops(model, o.size);
            model.push({ seq: appendTo(payload), payload });
          } else if (o.kind === "ack") {
            const { first, last } = ackRange(o.from, o.span);
            box.ack(first, last);
            model = model.filter((r) => r.seq < first || r.seq > last);
          } else if (o.kind === "restart") {
            box = new Outbox(options);
          } else if (o.kind === "compact") {
            box.compact();
          } else {
            // A power loss during some write of the next operation, then a reboot. Allowed outcomes: the
            // operation did not happen, happened fully, or (append) only its drops happened.
            storage.armPowerLoss((length) => Math.floor(o.keep * (length + 1)), o.afterWrites);
            const payload = new Uint8Array(o.size).fill(7);
            const pre = model;
            let candidates: OutboxRecord[][] = [pre];
            let attempted = false;
            let expectedSeq = 0;
            try {
              if (o.then === "append") {
                const mid = afterDrops(pre, o.size);
                expectedSeq = box.nextSeq;
                attempted = true;
                const seq = box.append(payload);
                expect(seq).toBeGreaterThan(highestIssued);
                highestIssued = seq;
                candidates = [[...mid, { seq, payload }]];
              } else if (o.then === "ack") {
                const { first, last } = ackRange(o.size, 2);
                candidates = [pre, pre.filter((r) => r.seq < first || r.seq > last)];
                box.ack(first, last);
                candidates = [candidates[1]];
              } else {
                box.compact();
              }
            } catch (e) {
              if (!(e instanceof PowerLossError)) throw e;
              if (o.then === "append" && attempted) {
                const mid = afterDrops(pre, o.size);
                // The record frame may have been written in full just before the power failed.
                const full = [...mid, { seq: expectedSeq, payload }];
                candidates = [pre, mid, full];
              }
            }
            storage.disarm();
            box = new Outbox(options);
            const found = key(box.peek());
            const match = candidates.find((c) => key(c) === found);
            expect(match, `after power loss: ${found} not in ${candidates.map(key).join(" | ")}`).toBeDefined();
            model = match as OutboxRecord[];
            // When the interrupted append's record reached the storage, whole or torn, its number is spent:
            // no later record may get it.
            if (expectedSeq > 0 && (box.recovery.tornTail || model.some((r) => r.seq === expectedSeq))) {
              highestIssued = Math.max(highestIssued, expectedSeq);
            }
            for (const r of model) highestIssued = Math.max(highestIssued, r.seq);
          }
          check();
        }
        box = new Outbox(options);
        check();
      }),
      { seed: 20261122, numRuns },
    );
  });
});

describe("FileStorage", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), "outbox-"));
    dirs.push(d);
    return d;
  };

  it("reads, appends, writes and deletes named files; missing files read as undefined", () => {
    const s = new FileStorage(tempDir());
    expect(s.read("a")).toBeUndefined();
    s.append("a", bytes(1, 2));
    s.append("a", new Uint8Array([0, 3, 4]).subarray(1));
    expect([...new Uint8Array(s.read("a") as ArrayBuffer)]).toEqual([1, 2, 3, 4]);
    s.write("a", bytes(9).buffer);
    expect([...new Uint8Array(s.read("a") as ArrayBuffer)]).toEqual([9]);
    s.delete("a");
    s.delete("a");
    expect(s.read("a")).toBeUndefined();
    expect(() => s.read("../etc/passwd")).toThrow(RangeError);
  });

  it("backs an outbox that replays after a restart and discards a torn append", () => {
    const dir = tempDir();
    const storage = new FileStorage(dir);
    const a = new Outbox({ storage });
    a.append(bytes(1));
    a.append(bytes(2));
    a.ack(1);
    storage.armPowerLoss(undefined, () => 0.5);
    expect(() => a.append(bytes(3, 3, 3, 3))).toThrow(PowerLossError);
    const b = new Outbox({ storage: new FileStorage(dir) });
    expect(b.recovery.tornTail).toBe(true);
    expect(payloads(b.peek())).toEqual([[2, [2]]]);
    expect(b.append(bytes(4))).toBe(4); // 3 went to the torn record
    expect(readdirSync(dir)).toHaveLength(1);
    expect(payloads(new Outbox({ storage: new FileStorage(dir) }).peek())).toEqual([[2, [2]], [4, [4]]]);
  });
});
