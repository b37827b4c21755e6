// LIS2DH12 (or LIS3DH: same registers and WHO_AM_I) 3-axis accelerometer, after the ECMA-419 sensor class
// pattern: `new Lis2dh12({sensor: {...device.I2C.default, io: I2C}})`, `sample()`, `close()`. It runs in
// normal mode (10-bit) with its 32-level FIFO in stream mode; sample() drains the FIFO in one burst
// (ST datasheet DocID025056: registers 8, FIFO 5.1; burst reads wrap from OUT_Z_H to OUT_X_L, AN3308 5.3).
// Its job here is motion for the heart-rate estimator: the wrist moving is what corrupts optical PPG.
import type { SensorBus } from "../platform/ports.js";
import { SensorError } from "./sensor-error.js";
import { probe, RegisterIO } from "./register-io.js";

export const LIS2DH12_ADDRESS = 0x19; // SA0 high; 0x18 with SA0 low
export const LIS2DH12_WHO_AM_I = 0x33;

const Reg = Object.freeze({ WhoAmI: 0x0f, Ctrl1: 0x20, Ctrl2: 0x21, Ctrl3: 0x22, Ctrl4: 0x23, Ctrl5: 0x24, OutXL: 0x28, FifoCtrl: 0x2e, FifoSrc: 0x2f });
const AUTO_INCREMENT = 0x80; // bit 7 of the sub-address (datasheet 6.1.1)
const RATES = Object.freeze([1, 10, 25, 50, 100, 200, 400]); // CTRL_REG1 ODR codes 1..7
const RANGES = Object.freeze([2, 4, 8, 16]); // CTRL_REG4 FS codes 0..3
const MG_PER_DIGIT = Object.freeze([4, 8, 16, 48]); // normal mode, per range (datasheet table 4)
const FIFO_DEPTH = 32;
const BYTES_PER_SAMPLE = 6;
const Fifo = Object.freeze({ Enable: 0x40, Bypass: 0x00, Stream: 0x80, Overrun: 0x40, Empty: 0x20, Level: 0x1f });
const PART = "LIS2DH12";

export type Lis2dh12Rate = 1 | 10 | 25 | 50 | 100 | 200 | 400;
export type Lis2dh12Range = 2 | 4 | 8 | 16;

export interface Lis2dh12Options {
  sensor: SensorBus;
  /** Output data rate, samples per second (default 25: motion up to 12 Hz, the pulse band and more). */
  rate?: Lis2dh12Rate;
  /** Full scale, g (default 4: a swinging arm stays inside it). */
  range?: Lis2dh12Range;
}

/** What one sample() call drained. The object and its array are reused by the next call. */
export interface Lis2dh12Samples {
  /** Samples drained now: xyz[3i], xyz[3i + 1], xyz[3i + 2] for i < count, oldest first, in `scale` g. */
  count: number;
  xyz: Int16Array;
  /** The FIFO overflowed since the previous call (samples were overwritten), or the previous read failed. */
  discontinuity: boolean;
}

export class Lis2dh12 {
  /** Samples per second in the FIFO. */
  readonly outputRate: number;
  /** g per count of the values in `xyz`. */
  readonly scale: number;
  #regs: RegisterIO;
  #readFailed = false;
  readonly #out: Lis2dh12Samples = { count: 0, xyz: new Int16Array(FIFO_DEPTH * 3), discontinuity: false };

  constructor(options: Lis2dh12Options) {
    const rate = options.rate ?? 25;
    const range = options.range ?? 4;
    this.#regs = new RegisterIO(options.sensor, LIS2DH12_ADDRESS, PART);
    const r = this.#regs;
    try {
      const id = probe(r, () => r.readByte(Reg.WhoAmI));
      if (id !== LIS2DH12_WHO_AM_I) throw new SensorError("wrong-part", PART, r.address, `WHO_AM_I 0x${id.toString(16)}, expected 0x33`);
      const rateCode = RATES.indexOf(rate) + 1;
      const rangeCode = RANGES.indexOf(range);
      if (rateCode === 0) throw new SensorError("invalid-config", PART, r.address, `rate ${rate} Hz`);
      if (rangeCode < 0) throw new SensorError("invalid-config", PART, r.address, `range ${range} g`);
      this.outputRate = rate;
      this.scale = MG_PER_DIGIT[rangeCode] / 1000;
      r.writeByte(Reg.Ctrl2, 0x00); // no high-pass filter on the output
      r.writeByte(Reg.Ctrl3, 0x00); // no interrupts on INT1
      r.writeByte(Reg.Ctrl4, 0x80 | (rangeCode << 4)); // block data update, full scale, normal mode
      r.writeByte(Reg.FifoCtrl, Fifo.Bypass); // empties the FIFO
      r.writeByte(Reg.Ctrl5, Fifo.Enable);
      r.writeByte(Reg.FifoCtrl, Fifo.Stream); // keep the newest 32 samples
      r.writeByte(Reg.Ctrl1, (rateCode << 4) | 0x07); // rate, normal mode, X Y Z on
    } catch (error) {
      r.close();
      throw error;
    }
  }

  /** Drain the FIFO. */
  sample(): Lis2dh12Samples {
    const out = this.#out;
    out.count = 0;
    out.discontinuity = this.#readFailed;
    this.#readFailed = true; // until this read completes
    const source = this.#regs.readByte(Reg.FifoSrc);
    // FSS counts the unread levels (5 bits); an overrun means all 32 are full and the oldest were lost.
    const overrun = (source & Fifo.Overrun) !== 0;
    const available = overrun ? FIFO_DEPTH : source & Fifo.Empty ? 0 : source & Fifo.Level;
    if (overrun) out.discontinuity = true;
    if (available > 0) {
      const bytes = this.#regs.read(Reg.OutXL | AUTO_INCREMENT, available * BYTES_PER_SAMPLE);
      for (let i = 0; i < available * 3; i++) {
        // Little-endian, left-justified 10-bit two's complement: the arithmetic shift keeps the sign.
        out.xyz[i] = ((bytes[2 * i + 1] << 24) | (bytes[2 * i] << 16)) >> 22;
      }
      out.count = available;
    }
    this.#readFailed = false;
    return out;
  }

  close(): void {
    this.#regs.close();
  }
}
