// The Storage port on files in one directory (node:fs), for the host simulator and tests. Appends are
// fsync'ed, as the device's littlefs commits a file on close. `armPowerLoss` makes the next append or
// write persist only a prefix of its bytes and then throw, which is what a reset mid-write leaves behind
// on flash; tests then open a fresh outbox on the same directory as a reboot would.

import { closeSync, fsyncSync, mkdirSync, openSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { BufferLike, Storage } from "../../firmware/platform/ports.js";
import { storageRange } from "../../firmware/platform/storage-range.js";

/** Thrown by the write that a simulated power loss cut short. Everything after it is "after the reboot". */
export class PowerLossError extends Error {
  readonly code = "power-loss";
  constructor(name: string, kept: number, of: number) {
    super(`simulated power loss writing ${name}: ${kept} of ${of} bytes persisted`);
    this.name = "PowerLossError";
  }
}

export function toBytes(bytes: BufferLike): Uint8Array {
  return bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The power-loss test hook of a Storage: which write is cut short, and to how many bytes. */
export class PowerLossHook {
  #keep?: (length: number) => number;
  #skip = 0;

  /** The write after `afterWrites` further ones persists only `keep(length)` of its bytes, then power fails. */
  arm(keep: (length: number) => number, afterWrites = 0): void {
    this.#keep = keep;
    this.#skip = afterWrites;
  }

  get armed(): boolean {
    return this.#keep !== undefined;
  }

  disarm(): void {
    this.#keep = undefined;
  }

  /** For a write of `length` bytes: how many persist, and whether power fails after them (then disarmed). */
  next(length: number): { kept: number; lost: boolean } {
    const keep = this.#keep;
    if (!keep) return { kept: length, lost: false };
    if (this.#skip > 0) {
      this.#skip--;
      return { kept: length, lost: false };
    }
    this.#keep = undefined;
    return { kept: Math.max(0, Math.min(length, keep(length))), lost: true };
  }
}

/** Names map to files in the directory; only plain names (no path separators) are accepted. */
function checkName(name: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name === "." || name === "..") throw new RangeError(`invalid storage name ${JSON.stringify(name)}`);
}

export class FileStorage implements Storage {
  readonly directory: string;
  readonly #powerLoss = new PowerLossHook();
  readonly #fsync: boolean;

  /** `fsync: false` leaves flushing to the OS: for tools that write many records and need no crash safety. */
  constructor(directory: string, options: { fsync?: boolean } = {}) {
    this.directory = directory;
    this.#fsync = options.fsync ?? true;
    mkdirSync(directory, { recursive: true });
  }

  read(name: string, position?: number, count?: number): ArrayBuffer | undefined {
    const size = this.size(name);
    if (size === undefined) return undefined;
    const [start, end] = storageRange(size, position, count);
    const out = new Uint8Array(end - start);
    if (out.length === 0) return out.buffer;
    const fd = openSync(join(this.directory, name), "r");
    try {
      let at = 0;
      while (at < out.length) {
        const n = readSync(fd, out, at, out.length - at, start + at);
        if (n === 0) break; // shrank since the size was taken: what there is
        at += n;
      }
      return out.buffer.slice(0, at);
    } finally {
      closeSync(fd);
    }
  }

  size(name: string): number | undefined {
    checkName(name);
    try {
      const stats = statSync(join(this.directory, name));
      return stats.isFile() ? stats.size : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  append(name: string, bytes: BufferLike): void {
    this.#put(name, toBytes(bytes), "a");
  }

  /** Not atomic, like the device: a power loss mid-write leaves a truncated file. */
  write(name: string, bytes: BufferLike): void {
    this.#put(name, toBytes(bytes), "w");
  }

  /** Deleting a missing file is a no-op. */
  delete(name: string): void {
    checkName(name);
    rmSync(join(this.directory, name), { force: true });
  }

  /**
   * Test hook: the append or write after `afterWrites` further ones persists only `keep(length)` of its
   * `length` bytes (default: a random count in 0..length-1 from `random`; `length` itself means the write
   * completed and power failed right after) and throws PowerLossError. Disarms itself.
   */
  armPowerLoss(keep?: (length: number) => number, random: () => number = Math.random, afterWrites = 0): void {
    this.#powerLoss.arm(keep ?? ((length) => Math.floor(random() * length)), afterWrites);
  }

  disarm(): void {
    this.#powerLoss.disarm();
  }

  #put(name: string, bytes: Uint8Array, flags: "a" | "w"): void {
    checkName(name);
    const { kept, lost } = this.#powerLoss.next(bytes.length);
    const fd = openSync(join(this.directory, name), flags);
    try {
      let at = 0;
      while (at < kept) at += writeSync(fd, bytes, at, kept - at);
      if (this.#fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (lost) throw new PowerLossError(name, kept, bytes.length);
  }
}
