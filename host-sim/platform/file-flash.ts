// The Flash port on a partition image in a file (node:fs), for the host simulator and the tests: the same
// file the Moddable simulator's flash reads under its HOME (flash/<partition>.bin) and the same bytes
// esptool writes to the board's partition (docs/device.md#flash). Writes behave as NOR flash (a write only
// turns bits from 1 to 0; erase sets a block to 0xFF). `cutPower(n)` makes the flash persist only the next
// n bytes of erases and writes and then throw, which is what a reset mid-write leaves behind.
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import type { FlashPartition } from "../../firmware/platform/ports.js";
import { PowerLossError } from "./file-storage.js";

export const BLOCK_SIZE = 4096;

export class FileFlash implements FlashPartition {
  readonly bytes: Uint8Array;
  readonly blockSize = BLOCK_SIZE;
  readonly #path: string | undefined;
  /** Bytes of erases and writes still persisted before the power goes; undefined: it never goes. */
  #budget: number | undefined;
  /** Bytes persisted by erases and writes since the flash was opened. */
  written = 0;

  /** A partition image file, or bytes in memory only. */
  constructor(source: string | Uint8Array) {
    this.#path = typeof source === "string" ? source : undefined;
    this.bytes = typeof source === "string" ? new Uint8Array(readFileSync(source)) : source;
  }

  /** The power goes once `bytes` more bytes have been erased or written. */
  cutPower(bytes: number): void {
    this.#budget = bytes;
  }

  erase(block: number): void {
    const start = block * BLOCK_SIZE;
    if (start < 0 || start + BLOCK_SIZE > this.bytes.length) throw new RangeError(`block ${block} is outside the partition`);
    this.put(start, new Uint8Array(BLOCK_SIZE).fill(0xff), true);
  }

  write(offset: number, data: Uint8Array): void {
    if (offset < 0 || offset + data.length > this.bytes.length) throw new RangeError(`write at ${offset} of ${data.length} bytes is outside the partition`);
    this.put(offset, data, false);
  }

  private put(offset: number, data: Uint8Array, erase: boolean): void {
    const kept = this.#budget === undefined ? data.length : Math.min(this.#budget, data.length);
    const next = new Uint8Array(kept);
    for (let i = 0; i < kept; i++) next[i] = erase ? 0xff : this.bytes[offset + i] & data[i];
    this.bytes.set(next, offset);
    if (this.#path !== undefined && kept > 0) {
      const fd = openSync(this.#path, "r+");
      try {
        writeSync(fd, next, 0, kept, offset);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    this.written += kept;
    if (this.#budget !== undefined) {
      this.#budget -= kept;
      if (kept < data.length) throw new PowerLossError(this.#path ?? "flash", kept, data.length);
    }
  }
}
