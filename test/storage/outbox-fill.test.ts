// The host tool that prefills an outbox directory: the device's binding reads what it wrote.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FilesStorage } from "../../firmware/platform/files-storage.js";
import { Outbox } from "../../firmware/telemetry/outbox.js";
import { fillOutbox } from "../../host-sim/outbox-fill.js";
import { PosixDirectory } from "../device/posix-directory.js";
import { storedRecords } from "../telemetry/support/outbox-contents.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("fillOutbox", () => {
  it("writes records the device's storage binding opens as its own outbox, past the bound with drops", () => {
    const directory = mkdtempSync(join(tmpdir(), "outbox-fill-"));
    dirs.push(directory);
    const ring = { recordBytes: 5, segmentRecords: 16, maxBytes: 4 * 16 * 14 };
    const payload = (i: number) => new Uint8Array([i & 0xff, i >> 8, 1, 2, 3]);
    const fill = fillOutbox({ directory, ...ring, records: 70, payload });
    expect(fill).toEqual({ firstSeq: 1, lastSeq: 70, count: 54, drops: 16 });
    const device = new Outbox({ storage: new FilesStorage(new PosixDirectory(directory)), ...ring });
    expect(device.count).toBe(54);
    const records = storedRecords(device);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 54 }, (_, i) => i + 17));
    expect(records[0].payload).toEqual([...payload(16)]);
    // A second fill goes on where the first stopped.
    expect(fillOutbox({ directory, ...ring, records: 2, payload })).toMatchObject({ firstSeq: 71, lastSeq: 72 });
  });
});
