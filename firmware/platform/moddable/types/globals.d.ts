// Globals the Moddable runtime provides (xs/includes/xs.d.ts, typings/global.d.ts in the SDK), narrowed to
// what this project uses. Only firmware/main.ts and firmware/platform/moddable/ may use them: this folder is part
// of the device side's project (firmware/tsconfig.device.json) alone, so the pure firmware does not see them.

interface Trace {
  (...log: (string | number | boolean)[]): void;
}

/** Prints to xsbug (or xsbug-log / the serial console); a global on XS under the Moddable runtime. */
declare const trace: Trace;

/** XS extension (xs/includes/xs.d.ts): a string's UTF-8 bytes. */
interface ArrayBufferConstructor {
  fromString(string: string): ArrayBuffer;
}

/** XS extension (xs/includes/xs.d.ts): UTF-8 bytes as a string. */
interface StringConstructor {
  fromArrayBuffer(buffer: ArrayBuffer): string;
}

/** Host memory, e.g. a resource mapped from flash (xs/includes/xs.d.ts). */
declare class HostBuffer {
  readonly byteLength: number;
  private brand: boolean;
}

/**
 * The board's built-in IO (the ECMA-419 host provider, `embedded:provider/builtin`). On esp32 boards
 * `device.I2C.default` is `{io: I2C, data, clock}` (e.g. data 21, clock 22 on nodemcu); the lin simulator
 * has no I2C, so `I2C` is absent there.
 */
declare const device: {
  readonly I2C?: { readonly default?: { readonly io: unknown; readonly data: number; readonly clock: number; readonly port?: number } };
};
