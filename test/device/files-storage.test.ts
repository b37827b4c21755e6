// The device's Storage binding over `embedded:storage/files`, driven through a directory with the SDK's
// POSIX semantics (what the lin simulator runs), including the outbox surviving a reboot on it.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FilesStorage } from "../../firmware/platform/files-storage.js";
import { Outbox } from "../../firmware/telemetry/outbox.js";
import { PosixDirectory } from "./posix-directory.js";

let root: string;
let directory: PosixDirectory;
let storage: FilesStorage;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "device-files-"));
  directory = new PosixDirectory(root);
  storage = new FilesStorage(directory);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

const bytes = (...values: number[]) => new Uint8Array(values);
const read = (name: string) => {
  const buffer = storage.read(name);
  return buffer === undefined ? undefined : [...new Uint8Array(buffer)];
};

describe("FilesStorage on embedded:storage/files", () => {
  it("reads undefined for a file that does not exist, without opening it", () => {
    expect(storage.read("missing")).toBeUndefined();
    expect(directory.log.some((entry) => entry.startsWith("open"))).toBe(false);
  });

  it("append creates the file, then adds at its end", () => {
    storage.append("log", bytes(1, 2));
    storage.append("log", bytes(3));
    storage.append("log", new DataView(new Uint8Array([9, 4, 5, 9]).buffer, 1, 2)); // a view with an offset
    expect(read("log")).toEqual([1, 2, 3, 4, 5]);
  });

  it("reads an empty file as an empty buffer, not as missing", () => {
    storage.append("empty", new Uint8Array(0));
    expect(read("empty")).toEqual([]);
  });

  it("reads a range with one read at the position, cut at the end of the file, opening nothing for an empty range", () => {
    storage.append("log", bytes(1, 2, 3, 4, 5, 6));
    const reads: [number, number][] = [];
    const openFile = directory.openFile.bind(directory);
    directory.openFile = (options) => {
      const file = openFile(options);
      const read = file.read.bind(file);
      file.read = (count, position) => (reads.push([count, position]), read(count, position));
      return file;
    };
    const range = (position?: number, count?: number) => [...new Uint8Array(storage.read("log", position, count) as ArrayBuffer)];
    expect(range(2, 3)).toEqual([3, 4, 5]);
    expect(range(4)).toEqual([5, 6]);
    expect(range(5, 10)).toEqual([6]);
    expect(range()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(reads).toEqual([[3, 2], [2, 4], [1, 5], [6, 0]]);
    directory.log.length = 0;
    expect(range(6, 1)).toEqual([]);
    expect(range(1, 0)).toEqual([]);
    expect(directory.log.some((entry) => entry.startsWith("open"))).toBe(false);
    expect(storage.read("missing", 0, 1)).toBeUndefined();
    expect(() => storage.read("log", -1, 1)).toThrow(RangeError);
  });

  it("sizes a file from its status, without opening it; a missing one is undefined", () => {
    storage.append("log", bytes(1, 2, 3));
    directory.log.length = 0;
    expect(storage.size("log")).toBe(3);
    expect(storage.size("missing")).toBeUndefined();
    expect(directory.log).toEqual(["status log", "status missing"]);
  });

  it("write replaces the contents through a temporary file and a rename", () => {
    storage.append("config", bytes(1, 2, 3, 4));
    directory.log.length = 0;
    storage.write("config", bytes(7));
    expect(read("config")).toEqual([7]);
    expect(directory.log).toContain("open config.new w");
    expect(directory.log).toContain("move config.new config");
    expect(readdirSync(root)).toEqual(["config"]);
  });

  it("a write interrupted half way leaves the old contents intact", () => {
    storage.write("config", bytes(1, 2, 3));
    directory.failWriteAfter = 1;
    expect(() => storage.write("config", bytes(4, 5, 6))).toThrow(/power loss/);
    expect(read("config")).toEqual([1, 2, 3]);
  });

  it("delete removes the file and is quiet about a missing one", () => {
    storage.append("gone", bytes(1));
    storage.delete("gone");
    expect(storage.read("gone")).toBeUndefined();
    expect(() => storage.delete("gone")).not.toThrow();
  });

  it("keeps the outbox across a reboot, its segments read in ranges", () => {
    const options = { recordBytes: 2, segmentRecords: 8, maxBytes: 4 * 8 * 11 };
    const before = new Outbox({ storage, ...options });
    const first = before.append(bytes(10, 11));
    before.append(bytes(12, 13));
    before.ack(first, first);
    // A new boot: a new binding over the same files.
    directory.log.length = 0;
    const after = new Outbox({ storage: new FilesStorage(new PosixDirectory(root)), ...options });
    expect(after.count).toBe(1);
    expect([...after.read(0).payload(0)]).toEqual([12, 13]);
    expect(readdirSync(root).sort()).toEqual(["outbox.m0", "outbox.m1", "outbox.s0"]);
    expect(readFileSync(join(root, "outbox.s0")).length).toBe(2 * 11);
  });
});
