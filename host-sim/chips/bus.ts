// A virtual I2C bus that implements the firmware's I2C port (firmware/platform/ports.ts) over register-level
// chip models. Time is virtual: advance(ms) moves every attached chip forward, so tests are deterministic.
// No Node API here: the XS host can bundle it.
import type { BufferLike, I2C, I2CConstructor, I2COptions } from "../../firmware/platform/ports.js";

/** A chip on the bus. One call = one transfer between START (or repeated START) and the next one. */
export interface I2CTarget {
  readonly address: number;
  /** Bytes the controller wrote in one transfer. */
  write(bytes: Uint8Array): void;
  /** `count` bytes the chip returns in one read transfer. */
  read(count: number): Uint8Array;
  /** Virtual time moves on. */
  advance?(ms: number): void;
}

export type I2CFault = "nack" | "bus-error";

/** What the virtual controller throws, like a device driver reporting a failed transfer. */
export class I2CBusError extends Error {
  readonly code: I2CFault;
  readonly address: number;
  constructor(code: I2CFault, address: number, message: string) {
    super(message);
    this.name = "I2CBusError";
    this.code = code;
    this.address = address;
  }
}

export interface TransferRecord {
  address: number;
  kind: "read" | "write";
  bytes: Uint8Array;
  error?: I2CFault;
}

export class VirtualI2CBus {
  /** The I2C class to hand to drivers: `{ sensor: { io: bus.io } }`. */
  readonly io: I2CConstructor;
  /** Virtual milliseconds since the bus was made. */
  now = 0;
  /** Every transfer, for tests that check what a driver did on the wire (cleared by the caller). */
  readonly log: TransferRecord[] = [];
  logging = false;
  #targets = new Map<number, I2CTarget>();
  #faults: { count: number; kind: I2CFault; address?: number; after: number }[] = [];

  constructor() {
    const transfer = this.transfer.bind(this);
    this.io = class VirtualI2C implements I2C {
      readonly #address: number;
      #open = true;
      constructor(options: I2COptions) {
        if (!Number.isInteger(options.address) || options.address < 0 || options.address > 0x7f) {
          throw new RangeError(`invalid I2C address ${options.address}`);
        }
        this.#address = options.address;
      }
      read(count: number): ArrayBuffer {
        this.#check();
        const bytes = transfer(this.#address, "read", count);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      }
      write(bytes: BufferLike, _stop?: boolean): void {
        this.#check();
        const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        transfer(this.#address, "write", 0, view.slice());
      }
      close(): void {
        this.#open = false;
      }
      #check(): void {
        if (!this.#open) throw new Error("I2C: closed");
      }
    };
  }

  attach(target: I2CTarget): void {
    if (this.#targets.has(target.address)) throw new Error(`I2C address 0x${target.address.toString(16)} already in use`);
    this.#targets.set(target.address, target);
  }

  detach(address: number): void {
    this.#targets.delete(address);
  }

  /** The next `count` transfers (to `address`, or to any address) fail with `kind`, after letting `after`
   *  matching transfers through first. */
  failNext(count: number, kind: I2CFault = "bus-error", options: { address?: number; after?: number } = {}): void {
    this.#faults.push({ count, kind, address: options.address, after: options.after ?? 0 });
  }

  advance(ms: number): void {
    this.now += ms;
    for (const target of this.#targets.values()) target.advance?.(ms);
  }

  /** One transfer on the wire. Absent addresses NACK. */
  transfer(address: number, kind: "read" | "write", count: number, bytes?: Uint8Array): Uint8Array {
    const fault = this.#takeFault(address);
    const target = this.#targets.get(address);
    const error = fault ?? (target ? undefined : "nack");
    if (this.logging) this.log.push({ address, kind, bytes: bytes ?? new Uint8Array(count), error });
    if (error === "nack") throw new I2CBusError("nack", address, `I2C: no acknowledge from 0x${address.toString(16)}`);
    if (error === "bus-error") throw new I2CBusError("bus-error", address, `I2C: bus error talking to 0x${address.toString(16)}`);
    if (kind === "write") {
      target!.write(bytes!);
      return new Uint8Array(0);
    }
    const out = target!.read(count);
    if (this.logging) this.log[this.log.length - 1].bytes = out.slice();
    return out;
  }

  #takeFault(address: number): I2CFault | undefined {
    const fault = this.#faults.find((f) => f.address === undefined || f.address === address);
    if (!fault) return undefined;
    if (fault.after > 0) {
      fault.after--;
      return undefined;
    }
    if (--fault.count <= 0) this.#faults.splice(this.#faults.indexOf(fault), 1);
    return fault.kind;
  }
}
