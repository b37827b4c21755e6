// An in-memory Storage port for fast property tests, with the same power-loss hook as FileStorage:
// the next append/write keeps only a prefix of its bytes and throws.
import type { BufferLike, Storage } from "../firmware/platform/ports.js";
import { storageRange } from "../firmware/platform/storage-range.js";
import { PowerLossError, PowerLossHook, toBytes } from "../host-sim/platform/file-storage.js";

export class MemoryStorage implements Storage {
  readonly files = new Map<string, Uint8Array>();
  /** Total bytes written (appends + writes), to check flash-wear claims. */
  bytesWritten = 0;
  writes = 0;
  readonly #powerLoss = new PowerLossHook();

  read(name: string, position?: number, count?: number): ArrayBuffer | undefined {
    const f = this.files.get(name);
    if (!f) return undefined;
    const [start, end] = storageRange(f.length, position, count);
    return f.slice(start, end).buffer;
  }
  size(name: string): number | undefined {
    return this.files.get(name)?.length;
  }
  append(name: string, bytes: BufferLike): void {
    this.#put(name, toBytes(bytes), (kept) => {
      const old = this.files.get(name) ?? new Uint8Array(0);
      const next = new Uint8Array(old.length + kept.length);
      next.set(old);
      next.set(kept, old.length);
      return next;
    });
  }
  write(name: string, bytes: BufferLike): void {
    this.writes++;
    this.#put(name, toBytes(bytes), (kept) => kept.slice());
  }
  delete(name: string): void {
    this.files.delete(name);
  }
  /**
   * The write (append or write) after `afterWrites` further ones persists only `keep(length)` bytes
   * (0..length; length means it completed but power failed right after) and throws PowerLossError.
   */
  armPowerLoss(keep: (length: number) => number, afterWrites = 0): void {
    this.#powerLoss.arm(keep, afterWrites);
  }
  get armed(): boolean {
    return this.#powerLoss.armed;
  }
  disarm(): void {
    this.#powerLoss.disarm();
  }
  #put(name: string, bytes: Uint8Array, contents: (kept: Uint8Array) => Uint8Array): void {
    const { kept, lost } = this.#powerLoss.next(bytes.length);
    this.bytesWritten += kept;
    this.files.set(name, contents(bytes.subarray(0, kept)));
    if (lost) throw new PowerLossError(name, kept, bytes.length);
  }
}
