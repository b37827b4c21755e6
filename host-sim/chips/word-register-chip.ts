// The I2C framing shared by LM75-style temperature sensors (MAX30205, TMP117): the first byte written sets
// the register pointer, following bytes are written MSB first; a read returns the pointed register's bytes
// MSB first, repeating. The pointer does not auto-increment.
import type { I2CTarget } from "./bus.js";

export abstract class WordRegisterChip implements I2CTarget {
  abstract readonly address: number;
  protected pointer = 0;

  /** Register width in bytes (1 or 2). */
  protected abstract width(register: number): number;
  protected abstract readRegister(register: number): number;
  protected abstract writeRegister(register: number, value: number): void;
  abstract advance(ms: number): void;

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pointer = bytes[0];
    if (bytes.length === 1) return;
    const width = this.width(this.pointer);
    let value = 0;
    for (let i = 1; i <= width && i < bytes.length; i++) value = (value << 8) | bytes[i];
    if (bytes.length - 1 < width) value <<= 8 * (width - (bytes.length - 1));
    this.writeRegister(this.pointer, value);
  }

  read(count: number): Uint8Array {
    const width = this.width(this.pointer);
    const value = this.readRegister(this.pointer);
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = (value >> (8 * (width - 1 - (i % width)))) & 0xff;
    return out;
  }
}

/** Celsius to a two's complement register value with `lsb` C per count, clipped to 16 bits. */
export function toRegister(celsius: number, lsb: number): number {
  const raw = Math.round(celsius / lsb);
  return (raw < -32768 ? -32768 : raw > 32767 ? 32767 : raw) & 0xffff;
}

export function fromRegister(value: number, lsb: number): number {
  return ((value << 16) >> 16) * lsb;
}
