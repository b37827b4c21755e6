// An in-memory Storage port for fast property tests, with the same power-loss hook as FileStorage:
// the next append/write keeps only a prefix of its bytes and throws.
import type { BufferLike, Storage } from "../../../firmware/platform/ports.js";
import { PowerLossError } from "../../../host-sim/platform/file-storage.js";

function toBytes(bytes: BufferLike): Uint8Array {
  return bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class MemoryStorage implements Storage {
  readonly files = new Map<string, Uint8Array>();
  /** Total bytes written (appends + writes), to check flash-wear claims. */
  bytesWritten = 0;
  writes = 0;
  #powerLoss?: (length: number) => number;

  read(name: string): ArrayBuffer | undefined {
    const f = this.files.get(name);
    return f ? f.slice().buffer : undefined;
  }
  append(name: string, bytes: BufferLike): void {
    const add = this.#cut(name, toBytes(bytes));
    const old = this.files.get(name) ?? new Uint8Array(0);
    const next = new Uint8Array(old.length + add.length);
    next.set(old);
    next.set(add, old.length);
    this.files.set(name, next);
    this.#afterCut(name, add, toBytes(bytes));
  }
  write(name: string, bytes: BufferLike): void {
    this.writes++;
    const add = this.#cut(name, toBytes(bytes));
    this.files.set(name, add.slice());
    this.#afterCut(name, add, toBytes(bytes));
  }
  delete(name: string): void {
    this.files.delete(name);
  }
  /**
   * The write (append or write) after `afterWrites` further ones persists only `keep(length)` bytes
   * (0..length; length means it completed but power failed right after) and throws PowerLossError.
   */
  armPowerLoss(keep: (length: number) => number, afterWrites = 0): void {
    this.#powerLoss = keep;
    this.#skip = afterWrites;
  }
  get armed(): boolean {
    return this.#powerLoss !== undefined;
  }
  disarm(): void {
    this.#powerLoss = undefined;
  }
  #skip = 0;
  #pending = false;
  #cut(_name: string, bytes: Uint8Array): Uint8Array {
    if (this.#powerLoss && this.#skip > 0) {
      this.#skip--;
      this.bytesWritten += bytes.length;
      return bytes;
    }
    const cut = this.#powerLoss;
    this.#powerLoss = undefined;
    this.#pending = cut !== undefined;
    const kept = cut ? Math.max(0, Math.min(bytes.length, cut(bytes.length))) : bytes.length;
    this.bytesWritten += kept;
    return bytes.subarray(0, kept);
  }
  #afterCut(name: string, kept: Uint8Array, all: Uint8Array): void {
    if (this.#pending) {
      this.#pending = false;
      throw new PowerLossError(name, kept.length, all.length);
    }
  }
}
