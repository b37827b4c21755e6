// The telemetry modules inside the XS engine give the same bytes as under Node, and an outbox written by
// XS is read back by Node (and the other way round): same on-flash format on both engines.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { XsFirmware } from "../../host-sim/xs/firmware.js";
import { CborWriter } from "../../firmware/telemetry/cbor.js";
import { crc32 } from "../../firmware/telemetry/crc32.js";
import { encodeTelemetry, type StampedReading } from "../../firmware/telemetry/payload.js";
import { Outbox } from "../../firmware/telemetry/outbox.js";
import { MemoryStorage } from "../../support/memory-storage.js";
import { storedSeqs } from "./support/outbox-contents.js";

/** The xs-entry's ring: 5 segments of 4 three-byte records (capacity 20). */
const SMALL_RING = { recordBytes: 3, segmentRecords: 4, maxBytes: 5 * 4 * 12 };
/** What the XS heap of an outbox may differ between empty and full (ESP32 estimate, docs/telemetry.md)... */
const OUTBOX_DEPTH_BUDGET_BYTES = 256;
/** ...and what the outbox of the app (11-byte records, the default ring) may take in all. */
const OUTBOX_BUDGET_BYTES = 6000;

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
let xs: XsFirmware;
const storage = new MemoryStorage();

beforeAll(async () => {
  xs = await XsFirmware.start({ entry: "test/telemetry/xs-entry.ts", ports: { storage } });
}, 120_000);
afterAll(async () => {
  await xs?.close();
});

describe("telemetry under XS", () => {
  it("encodes CBOR floats, integers and text exactly as under Node", async () => {
    const floats = [0, -0, 1, 1.1, 1.5, 65504, 100000, 3.4028234663852886e38, 1e300, 5.960464477539063e-8, 0.00006103515625, -4, -4.1, Infinity, -Infinity, NaN, 36.8125, 0.1];
    const numbers = [0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, -1, -25, -(2 ** 32), Number.MIN_SAFE_INTEGER, 1.5, 2 ** 64];
    const texts = ["", "a", "IETF", '"\\', "\u00fc", "\u6c34", "\ud800\udd51", "x".repeat(300)];
    const asText = (values: number[]) => values.map((v) => (Object.is(v, -0) ? "-0" : String(v)));
    expect(await xs.call("floats", asText(floats))).toEqual(floats.map((v) => hex(new CborWriter().float(v).finish())));
    expect(await xs.call("numbers", asText(numbers))).toEqual(numbers.map((v) => hex(new CborWriter().number(v).finish())));
    expect(await xs.call("texts", texts)).toEqual(texts.map((v) => hex(new CborWriter().text(v).finish())));
    expect(await xs.call("floats", ["1.5", "65504", "-0", "NaN"])).toEqual(["f93e00", "f97bff", "f98000", "f97e00"]);
  });

  it("computes the same CRC-32", async () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 31 + 7) & 0xff);
    expect(await xs.call("crc", bytes.slice().buffer)).toBe(crc32(bytes));
  });

  it("builds the same SenML JSON and CBOR payloads", async () => {
    const t0 = Date.UTC(2026, 10, 22, 1, 2, 3, 456);
    const readings: StampedReading[] = [
      { seq: 10, kind: "hr", value: 72.4, time: t0 },
      { seq: 11, kind: "temp", value: 36.8125, time: t0 + 1500 },
      { seq: 12, kind: "hr", value: 131, time: t0 + 5001 },
    ];
    for (const format of ["json", "cbor"] as const) {
      const fromXs = new Uint8Array(await xs.call<ArrayBuffer>("telemetry", JSON.stringify(readings), format));
      expect(hex(fromXs)).toBe(hex(encodeTelemetry("wearable-001/", readings, format).bytes));
    }
  });

  it("validates remote config the same way (XS JSON.parse and the strict UTF-8 decoder)", async () => {
    const enc = (s: string) => new TextEncoder().encode(s).buffer;
    expect(await xs.call("config", enc('{"format":"cbor","thresholds":{"hrHigh":120}}'))).toMatchObject({ ok: true });
    expect(await xs.call("config", enc('{"hrIntervalMs":5}'))).toEqual({ ok: false, code: "out-of-range", field: "hrIntervalMs" });
    expect(await xs.call("config", enc("{nope"))).toEqual({ ok: false, code: "invalid-json", field: "" });
    expect(await xs.call("config", new Uint8Array([0x7b, 0xc0, 0x80, 0x7d]).buffer)).toEqual({ ok: false, code: "invalid-utf8", field: "" });
  });

  it("scores NEWS2 bands and edge-triggers alarms the same way", async () => {
    expect(await xs.call("scores", [40, 41, 90, 91, 111, 131], [35.0, 35.1, 36.1, 38.1, 39.1])).toEqual([
      [3, 1, 0, 1, 2, 3],
      [3, 1, 0, 1, 2],
    ]);
    expect(await xs.call("alarms", [70, 135, 140, 80, 39])).toEqual(["-", "high", "-", "normal", "low"]);
  });

  it("writes an outbox that Node reads back, and reads one Node wrote", async () => {
    type Result = { seqs: number[]; live: number[]; drops: number; nextSeq: number };
    const result = await xs.call<Result>("outbox", SMALL_RING, 30, 3, 7);
    expect(result.seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // Five segments of four: 1..12 were dropped (3..7 with them, so acknowledging them changed nothing).
    expect(result.live).toEqual(Array.from({ length: 18 }, (_, i) => i + 13));
    expect(result.drops).toBe(12);
    const fromNode = new Outbox({ storage, ...SMALL_RING });
    expect(storedSeqs(fromNode)).toEqual(result.live);
    expect([...fromNode.read(0).payload(0)]).toEqual([12, 0, 7]);
    expect(fromNode.drops).toBe(12);
    expect(fromNode.append(new Uint8Array([1, 2, 3]))).toBe(31);
    fromNode.ack(13, 17);
    const again = await xs.call<Result>("outbox", SMALL_RING, 1, 0, 0);
    expect(again.seqs).toEqual([32]);
    expect(again.live).toEqual(Array.from({ length: 15 }, (_, i) => i + 18));
  });

  it("holds a full outbox in the same heap as an empty one: the RAM does not grow with the records stored", async () => {
    // A worker of its own, so that nothing the other tests left in the heap is in the figures.
    const xs = await XsFirmware.start({ entry: "test/telemetry/xs-entry.ts", ports: { storage: new MemoryStorage() } });
    onTestFinished(() => xs.close());
    await xs.call("crc", new Uint8Array(1).buffer); // the CRC table is made on first use: not the outbox's
    const before = await xs.heap();
    const empty = await xs.call<{ count: number; capacity: number }>("openHeld", "held");
    expect(empty.count).toBe(0);
    const emptyHeap = await xs.heap();
    // Past the bound: the ring fills (about two days of readings at the default rates), then drops.
    const filled = await xs.call<{ count: number; drops: number }>("fillHeld", empty.capacity + 700);
    expect(filled.count).toBeGreaterThan(empty.capacity - 512);
    expect(filled.drops).toBeGreaterThan(0);
    expect(await xs.call("readHeld", 0)).toHaveLength(2);
    const fullHeap = await xs.heap();
    // Opening the full ring scans it with small ranged reads, into the same heap.
    const reopened = await xs.call<{ records: number }>("openHeld", "held");
    expect(reopened.records).toBe(filled.count);
    expect(await xs.call("readHeld", 0)).toHaveLength(2);
    const reopenedHeap = await xs.heap();
    const outboxBytes = emptyHeap.deviceBytes - before.deviceBytes;
    const grown = fullHeap.deviceBytes - emptyHeap.deviceBytes;
    const reopenedGrown = reopenedHeap.deviceBytes - emptyHeap.deviceBytes;
    console.log(`XS heap (ESP32 estimate): outbox ${outboxBytes} B empty; full (${filled.count} records) ${grown} B more; reopened full ${reopenedGrown} B more`);
    // The budget: the same within a few hundred bytes, whatever the depth.
    expect(Math.abs(grown)).toBeLessThanOrEqual(OUTBOX_DEPTH_BUDGET_BYTES);
    expect(Math.abs(reopenedGrown)).toBeLessThanOrEqual(OUTBOX_DEPTH_BUDGET_BYTES);
    expect(outboxBytes).toBeGreaterThan(1000); // the measurement sees the outbox's own, fixed RAM
    expect(outboxBytes).toBeLessThanOrEqual(OUTBOX_BUDGET_BYTES);
  }, 120_000);
});
