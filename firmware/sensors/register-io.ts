// Register access over the ECMA-419 I2C port: a register pointer byte, then data, MSB first. Every
// failed transfer becomes a SensorError("bus") that names the part and the register; drivers turn the
// first one into "absent" when it happens while they look for the chip.
import type { I2C, SensorBus } from "../platform/ports.js";
import { SensorError } from "./sensor-error.js";

export class RegisterIO {
  readonly part: string;
  readonly address: number;
  #io: I2C;
  // The register pointer of a read, reused: reads (the per-sample path) allocate nothing of ours but their
  // result. Writes (configuration) make their 2 or 3 bytes each time rather than keep buffers for them: a
  // typed array costs the heap more than its bytes (firmware/sensors/README.md, "Memory").
  #pointer = new Uint8Array(1);

  constructor(sensor: SensorBus, defaultAddress: number, part: string) {
    const { io, ...pins } = sensor;
    this.part = part;
    this.address = sensor.address ?? defaultAddress;
    try {
      this.#io = new io({ ...pins, address: this.address });
    } catch (error) {
      throw new SensorError("bus", part, this.address, "cannot open the I2C bus", error);
    }
  }

  /** `count` bytes starting at register `register` (the part decides how its pointer advances). */
  read(register: number, count: number): Uint8Array {
    this.#pointer[0] = register;
    try {
      this.#io.write(this.#pointer, false);
      return new Uint8Array(this.#io.read(count));
    } catch (error) {
      throw this.fail(`reading register 0x${register.toString(16)}`, error);
    }
  }

  readByte(register: number): number {
    return this.read(register, 1)[0];
  }

  /** Unsigned 16-bit register, MSB first. */
  readWord(register: number): number {
    const bytes = this.read(register, 2);
    return (bytes[0] << 8) | bytes[1];
  }

  writeByte(register: number, value: number): void {
    this.write(Uint8Array.of(register, value & 0xff), register);
  }

  writeWord(register: number, value: number): void {
    this.write(Uint8Array.of(register, (value >> 8) & 0xff, value & 0xff), register);
  }

  close(): void {
    this.#io.close();
  }

  private write(bytes: Uint8Array, register: number): void {
    try {
      this.#io.write(bytes);
    } catch (error) {
      throw this.fail(`writing register 0x${register.toString(16)}`, error);
    }
  }

  private fail(what: string, cause: unknown): SensorError {
    const detail = cause instanceof Error ? `: ${cause.message}` : "";
    return new SensorError("bus", this.part, this.address, `I2C transfer failed ${what}${detail}`, cause);
  }
}

/** Runs the chip's first transfer; a bus failure there means nothing answered at the address. The caller
 *  closes `registers` when construction fails. */
export function probe<T>(registers: RegisterIO, first: () => T): T {
  try {
    return first();
  } catch (error) {
    if (error instanceof SensorError && error.code === "bus") {
      throw new SensorError("absent", registers.part, registers.address, "no acknowledge: chip absent?", error);
    }
    throw error;
  }
}

/** Two's complement of a 16-bit register value. */
export function signed16(value: number): number {
  return (value << 16) >> 16;
}
