// The SDK's `flash` module (modules/files/flash in the SDK: esp32/flash.c on the board; in the simulator the
// firmware's own, firmware/platform/moddable/lin/flash-file.c, with the same API), as the bindings use it.
declare module "flash" {
  export default class Flash {
    /** The data partition of that label (throws when the partition table has none). */
    constructor(partition: string);
    /** Erases sector `sector` (4 KB) of the partition to 0xFF. */
    erase(sector: number): void;
    read(offset: number, byteLength: number): ArrayBuffer;
    /** Writes the first `byteLength` bytes of `buffer` at `offset` (NOR: bits go from 1 to 0 only). */
    write(offset: number, byteLength: number, buffer: ArrayBuffer | ArrayBufferView): void;
    /** The whole partition, mapped into the address space (esp_partition_mmap on esp32): a read-only host
     *  buffer, read in place through typed-array views. */
    map(): object;
    readonly byteLength: number;
    readonly blockSize: number;
  }
}
