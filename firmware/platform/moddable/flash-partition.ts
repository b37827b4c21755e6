// The Flash port on the SDK's `flash` module: on esp32 its modules/files/flash (`new Flash(label)` finds the
// data partition by label with esp_partition_find_first; map() maps all of it with esp_partition_mmap,
// SPI_FLASH_MMAP_DATA, as one read-only host buffer), in the simulator the firmware's own with the same API
// over a file under HOME (firmware/platform/moddable/lin/flash-file.c). The partition's bytes are a
// Uint8Array view of that mapping: everything read from it (the TLS credentials) is read where it is, in
// flash, never copied to RAM.
import Flash from "flash";
import type { FlashPartition } from "../ports.js";

export class ModdableFlash implements FlashPartition {
  readonly bytes: Uint8Array;
  readonly #flash: Flash;

  constructor(flash: Flash) {
    this.#flash = flash;
    // A host buffer (the SDK types it HostBuffer): typed arrays view it as they view an ArrayBuffer.
    this.bytes = new Uint8Array(flash.map() as unknown as ArrayBuffer);
  }

  get blockSize(): number {
    return this.#flash.blockSize;
  }

  erase(block: number): void {
    this.#flash.erase(block);
  }

  write(offset: number, data: Uint8Array): void {
    this.#flash.write(offset, data.byteLength, data);
  }
}

/** The data partition `label`, or undefined when the flash has none (the simulator: no file yet). */
export function openPartition(label: string): ModdableFlash | undefined {
  let flash: Flash;
  try {
    flash = new Flash(label);
  } catch {
    return undefined;
  }
  return new ModdableFlash(flash);
}
