// The host's Storage bindings (firmware/platform/ports.ts): files in a directory (host-sim, node:fs) and
// in memory (support/), held to one contract, ranged reads included; the device's binding has its own
// test (test/device/files-storage.test.ts), the XS bridge's is in test/xs/smoke.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Storage } from "../../firmware/platform/ports.js";
import { FileStorage, PowerLossError } from "../../host-sim/platform/file-storage.js";
import { MemoryStorage } from "../../support/memory-storage.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Torn = Storage & { armPowerLoss(keep: (length: number) => number): void };
const bindings: [string, () => Torn][] = [
  ["MemoryStorage", () => new MemoryStorage()],
  [
    "FileStorage",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "storage-"));
      dirs.push(dir);
      const files = new FileStorage(dir);
      return Object.assign(files, { armPowerLoss: (keep: (length: number) => number) => FileStorage.prototype.armPowerLoss.call(files, keep) });
    },
  ],
];

const bytes = (...values: number[]) => new Uint8Array(values);
const list = (buffer: ArrayBuffer | undefined) => (buffer === undefined ? undefined : [...new Uint8Array(buffer)]);

describe.each(bindings)("%s", (_name, make) => {
  it("reads, sizes, appends, writes and deletes named files; a missing file is undefined", () => {
    const s = make();
    expect(s.read("a")).toBeUndefined();
    expect(s.size("a")).toBeUndefined();
    s.append("a", bytes(1, 2));
    s.append("a", new Uint8Array([0, 3, 4]).subarray(1));
    expect(list(s.read("a"))).toEqual([1, 2, 3, 4]);
    expect(s.size("a")).toBe(4);
    s.write("a", bytes(9).buffer);
    expect(list(s.read("a"))).toEqual([9]);
    s.append("empty", new Uint8Array(0));
    expect(s.size("empty")).toBe(0);
    expect(list(s.read("empty"))).toEqual([]);
    s.delete("a");
    s.delete("a");
    expect(s.read("a")).toBeUndefined();
    expect(s.size("a")).toBeUndefined();
  });

  it("reads a range: from a position, a count of bytes, cut at the end of the file", () => {
    const s = make();
    s.append("r", bytes(10, 11, 12, 13, 14, 15));
    expect(list(s.read("r", 1, 2))).toEqual([11, 12]);
    expect(list(s.read("r", 4))).toEqual([14, 15]);
    expect(list(s.read("r", 0, 6))).toEqual([10, 11, 12, 13, 14, 15]);
    expect(list(s.read("r", 3, 100))).toEqual([13, 14, 15]);
    expect(list(s.read("r", 2, 0))).toEqual([]);
    expect(list(s.read("r", 6, 4))).toEqual([]);
    expect(list(s.read("r", 99))).toEqual([]);
    expect(s.read("missing", 0, 4)).toBeUndefined();
    for (const [position, count] of [[-1, 1], [1.5, 1], [0, -1], [0, 0.5]]) {
      expect(() => s.read("r", position, count)).toThrow(RangeError);
    }
  });

  it("a power loss during an append keeps a prefix of its bytes, which a ranged read sees", () => {
    const s = make();
    s.append("t", bytes(1, 2, 3));
    s.armPowerLoss(() => 2);
    expect(() => s.append("t", bytes(4, 5, 6, 7))).toThrow(PowerLossError);
    expect(s.size("t")).toBe(5);
    expect(list(s.read("t", 3))).toEqual([4, 5]);
  });
});

describe("FileStorage names", () => {
  it("accepts only plain names", () => {
    const [, make] = bindings[1];
    const s = make();
    expect(() => s.read("../etc/passwd")).toThrow(RangeError);
    expect(() => s.size("a/b")).toThrow(RangeError);
  });
});
