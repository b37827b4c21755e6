// Register-level model of the LIS2DH12 3-axis accelerometer (ST datasheet DocID025056; the LIS3DH has the
// same map and WHO_AM_I) for the virtual I2C bus. Modelled: WHO_AM_I 0x33, CTRL_REG0..6 and FIFO_CTRL_REG as
// plain registers with their power-on values, output data rates 1..400 Hz (CTRL_REG1 ODR, power-down at 0),
// the axis enables, full scale 2/4/8/16 g and the low-power (8-bit), normal (10-bit) and high-resolution
// (12-bit) modes (left-justified 16-bit two's complement output), STATUS_REG ZYXDA/ZYXOR, the BOOT bit
// (clears itself), the 32-level FIFO (CTRL_REG5 FIFO_EN) in bypass, FIFO, stream and stream-to-FIFO
// modes with FIFO_SRC_REG (WTM, OVRN_FIFO, EMPTY, FSS), register auto-increment when bit 7 of the sub-address
// is set (datasheet 6.1.1), and the output registers wrapping from OUT_Z_H back to OUT_X_L in a burst, so
// that one read drains several FIFO levels (ST application note AN3308, 5.3 for the LIS3DH).
// Not modelled: interrupt generators, click, temperature sensor, self-test, the high-pass filter.
import type { AccelerationSource } from "./arm-motion.js";
import type { I2CTarget } from "./bus.js";

const R = {
  WhoAmI: 0x0f, Ctrl0: 0x1e, TempCfg: 0x1f, Ctrl1: 0x20, Ctrl2: 0x21, Ctrl3: 0x22, Ctrl4: 0x23, Ctrl5: 0x24,
  Ctrl6: 0x25, Reference: 0x26, Status: 0x27, OutXL: 0x28, OutZH: 0x2d, FifoCtrl: 0x2e, FifoSrc: 0x2f,
} as const;
const WHO_AM_I = 0x33;
const ODR_HZ = [0, 1, 10, 25, 50, 100, 200, 400];
/** Sensitivity, mg per count, by full-scale code (datasheet table 4): low-power, normal, high-resolution. */
const MG_PER_DIGIT = { lowPower: [16, 32, 64, 192], normal: [4, 8, 16, 48], highResolution: [1, 2, 4, 12] };
const DEPTH = 32;
const FifoMode = { Bypass: 0, Fifo: 1, Stream: 2, StreamToFifo: 3 } as const;

export interface Lis2dh12ModelOptions {
  source: AccelerationSource;
  /** 0x18 (SA0 low) or 0x19 (SA0 high, the default). */
  address?: number;
  whoAmI?: number;
}

export class Lis2dh12Model implements I2CTarget {
  readonly address: number;
  source: AccelerationSource;
  readonly regs = new Uint8Array(0x40);
  /** FIFO levels, oldest first: x, y, z as the 16-bit output words. */
  readonly fifo = new Int16Array(DEPTH * 3);
  /** Samples converted since the rate was last set, and samples the FIFO lost in stream mode. */
  conversions = 0;
  overwritten = 0;
  #whoAmI: number;
  #pointer = 0;
  #increment = false;
  #stored = 0;
  #overrun = false;
  #timeMs = 0;
  #originMs = 0;
  #latest = new Int16Array(3);
  #a = { x: 0, y: 0, z: 0 };

  constructor(options: Lis2dh12ModelOptions) {
    this.address = options.address ?? 0x19;
    this.source = options.source;
    this.#whoAmI = options.whoAmI ?? WHO_AM_I;
    this.#powerOn();
  }

  /** Samples waiting in the FIFO. */
  get unread(): number {
    return this.#stored;
  }

  get outputRate(): number {
    return ODR_HZ[this.regs[R.Ctrl1] >> 4] ?? 0;
  }

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#pointer = bytes[0] & 0x7f;
    this.#increment = (bytes[0] & 0x80) !== 0;
    for (let i = 1; i < bytes.length; i++) {
      this.#writeRegister(this.#pointer, bytes[i]);
      this.#advancePointer();
    }
  }

  read(count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = this.#readRegister(this.#pointer);
      this.#advancePointer();
    }
    return out;
  }

  advance(ms: number): void {
    const end = this.#timeMs + ms;
    const rate = this.outputRate;
    if (rate > 0) {
      for (;;) {
        const at = this.#originMs + ((this.conversions + 1) * 1000) / rate;
        if (at > end + 1e-9) break;
        this.#convert(at / 1000);
        this.conversions++;
      }
    }
    this.#timeMs = end;
  }

  #powerOn(): void {
    this.regs.fill(0);
    this.regs[R.Ctrl0] = 0x10;
    this.regs[R.Ctrl1] = 0x07; // power-down, axes enabled
    this.#stored = 0;
    this.#overrun = false;
    this.#restartClock();
  }

  #restartClock(): void {
    this.#originMs = this.#timeMs;
    this.conversions = 0;
  }

  #advancePointer(): void {
    if (!this.#increment) return;
    // In a burst the output registers wrap: OUT_Z_H is followed by OUT_X_L (the next FIFO level).
    this.#pointer = this.#pointer === R.OutZH ? R.OutXL : (this.#pointer + 1) & 0x3f;
  }

  #fifoEnabled(): boolean {
    return (this.regs[R.Ctrl5] & 0x40) !== 0;
  }

  #fifoMode(): number {
    return this.#fifoEnabled() ? this.regs[R.FifoCtrl] >> 6 : FifoMode.Bypass;
  }

  #readRegister(reg: number): number {
    const r = this.regs;
    if (reg === R.WhoAmI) return this.#whoAmI;
    if (reg === R.FifoSrc) {
      const watermark = this.#stored > 0 && this.#stored >= (r[R.FifoCtrl] & 0x1f) ? 0x80 : 0;
      return watermark | (this.#overrun ? 0x40 : 0) | (this.#stored === 0 ? 0x20 : 0) | Math.min(this.#stored, 31);
    }
    if (reg >= R.OutXL && reg <= R.OutZH) {
      const axis = (reg - R.OutXL) >> 1;
      const high = (reg - R.OutXL) & 1;
      const fifo = this.#fifoMode() !== FifoMode.Bypass;
      const word = fifo && this.#stored > 0 ? this.fifo[axis] : this.#latest[axis];
      if (reg === R.OutZH) this.#pop(fifo);
      return high ? (word >> 8) & 0xff : word & 0xff;
    }
    if (reg === R.Status) {
      const value = r[R.Status];
      r[R.Status] = 0; // flags clear once the data has been read (modelled: on reading STATUS_REG)
      return value;
    }
    return r[reg];
  }

  /** The last byte of a FIFO level has been read: the next level moves up. */
  #pop(fifo: boolean): void {
    if (!fifo || this.#stored === 0) return;
    this.fifo.copyWithin(0, 3, this.#stored * 3);
    this.#stored--;
    this.#overrun = false;
  }

  #writeRegister(reg: number, value: number): void {
    const r = this.regs;
    switch (reg) {
      case R.WhoAmI:
      case R.Status:
      case R.FifoSrc:
        return; // read-only
      case R.Ctrl1:
        if ((r[reg] ^ value) & 0xf8) {
          r[reg] = value;
          this.#restartClock();
        }
        r[reg] = value;
        return;
      case R.Ctrl5:
        if (value & 0x80) {
          this.#powerOn(); // BOOT reloads the trimming; the bit clears itself
          return;
        }
        r[reg] = value;
        if (!(value & 0x40)) this.#resetFifo();
        return;
      case R.FifoCtrl:
        r[reg] = value;
        if (value >> 6 === FifoMode.Bypass) this.#resetFifo(); // bypass empties the FIFO (datasheet 5.1.1)
        return;
      default:
        if (reg < r.length) r[reg] = value;
    }
  }

  #resetFifo(): void {
    this.#stored = 0;
    this.#overrun = false;
  }

  #convert(t: number): void {
    const r = this.regs;
    this.source.acceleration(t, this.#a);
    const range = (r[R.Ctrl4] >> 4) & 3;
    const lowPower = (r[R.Ctrl1] & 0x08) !== 0;
    const highResolution = (r[R.Ctrl4] & 0x08) !== 0;
    const bits = lowPower ? 8 : highResolution ? 12 : 10;
    const mg = (lowPower ? MG_PER_DIGIT.lowPower : highResolution ? MG_PER_DIGIT.highResolution : MG_PER_DIGIT.normal)[range];
    const enabled = r[R.Ctrl1] & 7;
    const values = [this.#a.x, this.#a.y, this.#a.z];
    for (let axis = 0; axis < 3; axis++) {
      if (!(enabled & (1 << axis))) continue;
      // Left-justified: the top `bits` bits of the 16-bit word carry the value.
      const steps = 1 << (bits - 1);
      const code = Math.max(-steps, Math.min(steps - 1, Math.round((values[axis] * 1000) / mg)));
      this.#latest[axis] = code << (16 - bits);
    }
    r[R.Status] |= (r[R.Status] & 0x08 ? 0x80 : 0) | 0x08; // ZYXDA, ZYXOR when the last set was not read
    const mode = this.#fifoMode();
    if (mode === FifoMode.Bypass) return;
    if (this.#stored === DEPTH) {
      if (mode === FifoMode.Fifo) return; // full: stops collecting
      this.fifo.copyWithin(0, 3); // stream: the oldest level is overwritten
      this.#stored--;
      this.#overrun = true;
      this.overwritten++;
    }
    this.fifo.set(this.#latest, this.#stored * 3);
    this.#stored++;
    if (this.#stored === DEPTH) this.#overrun = this.#overrun || mode === FifoMode.Fifo;
  }
}
