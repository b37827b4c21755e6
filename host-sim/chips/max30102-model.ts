// Register-level model of the MAX30102 (datasheet 19-7740) for the virtual I2C bus.
// Modelled: the register file with auto-incrementing pointer (not at FIFO_DATA), part and revision id,
// soft reset, shutdown, HR/SpO2/multi-LED modes, sample rate, pulse width (resolution), ADC range, LED
// currents, sample averaging, the 32-deep FIFO with 5-bit write/read pointers, overflow counter saturating at
// 0x1F and rollover, interrupt status bits (cleared on read) and the INT pin, die temperature conversion.
// Not modelled: proximity mode, analog noise of its own (the signal source supplies noise), exact timings
// other than the sample clock and the 29 ms temperature conversion.
import type { I2CTarget } from "./bus.js";
import type { OpticalSample, OpticalSource } from "./optical.js";

const R = {
  Status1: 0x00, Status2: 0x01, Enable1: 0x02, Enable2: 0x03, WritePtr: 0x04, Overflow: 0x05, ReadPtr: 0x06,
  FifoData: 0x07, FifoConfig: 0x08, Mode: 0x09, Spo2Config: 0x0a, Led1: 0x0c, Led2: 0x0d, Slots12: 0x11,
  Slots34: 0x12, TempInt: 0x1f, TempFrac: 0x20, TempConfig: 0x21, RevisionId: 0xfe, PartId: 0xff,
} as const;
const A_FULL = 0x80, PPG_RDY = 0x40, ALC_OVF = 0x20, PWR_RDY = 0x01, DIE_TEMP_RDY = 0x02;
const RATES = [50, 100, 200, 400, 800, 1000, 1600, 3200];
const RANGES_NA = [2048, 4096, 8192, 16384];
const AVERAGES = [1, 2, 4, 8, 16, 32, 32, 32];
/** Low bits left zero by the ADC at pulse widths 69/118/215/411 us (15..18-bit resolution). */
const DROPPED_BITS = [3, 2, 1, 0];
const DEPTH = 32;
const FULL_SCALE = 0x3ffff;
const TEMP_CONVERSION_MS = 29;
/** Ambient photocurrent beyond which the ambient light cancellation saturates (model assumption). */
const ALC_LIMIT_NA = 200_000;

export interface Max30102ModelOptions {
  source: OpticalSource;
  address?: number;
  /** Part id register value; 0x15 for a MAX30102 (change it to model another part at 0x57). */
  partId?: number;
  revisionId?: number;
  /** Die temperature, C. */
  dieTemperature?: number;
  /** Reads of MODE_CONFIG that still show RESET set after a reset was requested. */
  resetReads?: number;
}

export class Max30102Model implements I2CTarget {
  readonly address: number;
  source: OpticalSource;
  dieTemperature: number;
  readonly regs = new Uint8Array(256);
  /** FIFO storage: DEPTH samples x up to 4 channels of 18-bit counts. */
  readonly fifo = new Uint32Array(DEPTH * 4);
  /** ADC conversions done since the last configuration change, and FIFO samples produced in total. */
  conversions = 0;
  samplesProduced = 0;
  #partId: number;
  #revisionId: number;
  #resetReads: number;
  #resetPending = 0;
  #pointer = 0;
  #fifoByte = 0;
  #count = 0;
  #timeMs = 0;
  #clockOriginMs = 0;
  #tempDoneAtMs = -1;
  #sums = new Float64Array(4);
  #summed = 0;
  #light: OpticalSample = { red: 0, ir: 0, ambient: 0 };
  #slots = new Uint8Array(4);

  constructor(options: Max30102ModelOptions) {
    this.address = options.address ?? 0x57;
    this.source = options.source;
    this.dieTemperature = options.dieTemperature ?? 30.5;
    this.#partId = options.partId ?? 0x15;
    this.#revisionId = options.revisionId ?? 0x03;
    this.#resetReads = options.resetReads ?? 1;
    this.#powerOn();
  }

  /** Samples waiting in the FIFO. Kept apart from the pointers: with exactly 32 unread samples and no
   *  overflow yet, WR_PTR == RD_PTR and OVF_COUNTER == 0 look like an empty FIFO on the wire too. */
  get unread(): number {
    return this.#count;
  }

  /** The active-low INT pin is asserted (an enabled status bit is set; PWR_RDY cannot be masked). */
  get interruptAsserted(): boolean {
    const r = this.regs;
    return ((r[R.Status1] & (r[R.Enable1] | PWR_RDY)) | (r[R.Status2] & r[R.Enable2])) !== 0;
  }

  /** FIFO samples per second with the present configuration, 0 when not sampling. */
  get outputRate(): number {
    return this.#channels() === 0 ? 0 : RATES[(this.regs[R.Spo2Config] >> 2) & 7] / AVERAGES[this.regs[R.FifoConfig] >> 5];
  }

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#pointer = bytes[0];
    this.#fifoByte = 0;
    for (let i = 1; i < bytes.length; i++) {
      this.#writeRegister(this.#pointer, bytes[i]);
      if (this.#pointer !== R.FifoData) this.#pointer = (this.#pointer + 1) & 0xff;
    }
  }

  read(count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      if (this.#pointer === R.FifoData) {
        out[i] = this.#readFifoByte();
      } else {
        out[i] = this.#readRegister(this.#pointer);
        this.#pointer = (this.#pointer + 1) & 0xff;
      }
    }
    return out;
  }

  advance(ms: number): void {
    const end = this.#timeMs + ms;
    const channels = this.#channels();
    if (channels > 0) {
      const rate = RATES[(this.regs[R.Spo2Config] >> 2) & 7];
      // Conversion k happens at origin + k/rate: exact sample times, no drift from adding up steps.
      for (;;) {
        const at = this.#clockOriginMs + ((this.conversions + 1) * 1000) / rate;
        if (at > end + 1e-9) break;
        this.#convert(at / 1000, channels);
        this.conversions++;
      }
    }
    this.#timeMs = end;
    if (this.#tempDoneAtMs >= 0 && this.#timeMs >= this.#tempDoneAtMs) this.#finishTemperature();
  }

  #powerOn(): void {
    this.regs.fill(0);
    this.regs[R.PartId] = this.#partId;
    this.regs[R.RevisionId] = this.#revisionId;
    this.regs[R.Status1] = PWR_RDY;
    this.#count = 0;
    this.#restartClock();
    this.#tempDoneAtMs = -1;
  }

  #restartClock(): void {
    this.#clockOriginMs = this.#timeMs;
    this.conversions = 0;
    this.#summed = 0;
    this.#sums.fill(0);
  }

  #readRegister(reg: number): number {
    const r = this.regs;
    const value = r[reg];
    switch (reg) {
      case R.Status1:
      case R.Status2:
        r[reg] = 0; // cleared by reading
        return value;
      case R.Mode:
        if (this.#resetPending > 0 && --this.#resetPending === 0) r[R.Mode] &= ~0x40;
        return value;
      default:
        return value;
    }
  }

  #writeRegister(reg: number, value: number): void {
    const r = this.regs;
    switch (reg) {
      case R.Status1:
      case R.Status2:
      case R.TempInt:
      case R.TempFrac:
      case R.RevisionId:
      case R.PartId:
        return; // read-only
      case R.WritePtr:
      case R.Overflow:
      case R.ReadPtr: {
        r[reg] = value & 0x1f;
        const n = (r[R.WritePtr] - r[R.ReadPtr]) & 0x1f;
        this.#count = n === 0 && r[R.Overflow] > 0 ? DEPTH : n;
        return;
      }
      case R.FifoData:
        return;
      case R.Mode: {
        if (value & 0x40) {
          this.#powerOn();
          r[R.Mode] = 0x40;
          this.#resetPending = this.#resetReads;
          if (this.#resetPending === 0) r[R.Mode] = 0;
          return;
        }
        const changed = (r[R.Mode] ^ value) & 0x87;
        r[R.Mode] = value & 0x87;
        if (changed) this.#restartClock();
        return;
      }
      case R.Spo2Config:
      case R.FifoConfig:
        if (r[reg] !== value) {
          r[reg] = value;
          this.#restartClock();
        }
        return;
      case R.TempConfig:
        r[reg] = value & 0x01;
        if (value & 0x01) this.#tempDoneAtMs = this.#timeMs + TEMP_CONVERSION_MS;
        return;
      default:
        r[reg] = value;
    }
  }

  /** Active channels per FIFO sample, with their LEDs in #slots (1 = red, 2 = IR); 0 when not sampling. */
  #channels(): number {
    const r = this.regs;
    if (r[R.Mode] & 0x80) return 0;
    const mode = r[R.Mode] & 0x07;
    if (mode === 0x02) {
      this.#slots[0] = 1;
      return 1;
    }
    if (mode === 0x03) {
      this.#slots[0] = 1;
      this.#slots[1] = 2;
      return 2;
    }
    if (mode !== 0x07) return 0;
    const codes = [r[R.Slots12] & 7, (r[R.Slots12] >> 4) & 7, r[R.Slots34] & 7, (r[R.Slots34] >> 4) & 7];
    let n = 0;
    while (n < 4 && (codes[n] === 1 || codes[n] === 2)) {
      this.#slots[n] = codes[n];
      n++;
    }
    return n;
  }

  #convert(t: number, channels: number): void {
    const r = this.regs;
    const light = this.#light;
    this.source.sample(t, light);
    const rangeNa = RANGES_NA[(r[R.Spo2Config] >> 5) & 3];
    const dropped = DROPPED_BITS[r[R.Spo2Config] & 3];
    if (light.ambient > ALC_LIMIT_NA) r[R.Status1] |= ALC_OVF;
    for (let c = 0; c < channels; c++) {
      const red = this.#slots[c] === 1;
      const ledMa = (red ? r[R.Led1] : r[R.Led2]) * 0.2;
      const currentNa = ledMa * (red ? light.red : light.ir);
      let counts = Math.round((currentNa / rangeNa) * (FULL_SCALE + 1));
      counts = counts < 0 ? 0 : counts > FULL_SCALE ? FULL_SCALE : counts;
      this.#sums[c] += (counts >> dropped) << dropped;
    }
    const average = AVERAGES[r[R.FifoConfig] >> 5];
    if (++this.#summed < average) return;
    const write = r[R.WritePtr];
    if (this.#count === DEPTH) {
      if (r[R.Overflow] < 0x1f) r[R.Overflow]++; // saturates at 0x1F
      if (!(r[R.FifoConfig] & 0x10)) {
        this.#resetAverage();
        return; // no rollover: the new sample is lost
      }
      r[R.ReadPtr] = (r[R.ReadPtr] + 1) & 0x1f; // rollover: the oldest sample is overwritten
    } else {
      this.#count++;
    }
    for (let c = 0; c < channels; c++) this.fifo[write * 4 + c] = Math.floor(this.#sums[c] / average);
    r[R.WritePtr] = (write + 1) & 0x1f;
    this.samplesProduced++;
    this.#resetAverage();
    r[R.Status1] |= PPG_RDY;
    const threshold = DEPTH - (r[R.FifoConfig] & 0x0f);
    if (this.unread === threshold) r[R.Status1] |= A_FULL;
  }

  #resetAverage(): void {
    this.#summed = 0;
    this.#sums.fill(0);
  }

  #readFifoByte(): number {
    const r = this.regs;
    const channels = Math.max(1, this.#channels());
    const read = r[R.ReadPtr];
    const channel = Math.floor(this.#fifoByte / 3);
    const value = this.fifo[read * 4 + channel];
    const shift = 16 - (this.#fifoByte % 3) * 8;
    const byte = (value >> shift) & 0xff;
    if (++this.#fifoByte === channels * 3) {
      this.#fifoByte = 0;
      // An empty FIFO keeps returning the sample at the read pointer without popping it.
      if (this.#count > 0) {
        this.#count--;
        r[R.ReadPtr] = (read + 1) & 0x1f;
        r[R.Overflow] = 0; // reset when a sample is popped
        r[R.Status1] &= ~PPG_RDY;
      }
    }
    return byte;
  }

  #finishTemperature(): void {
    const t = this.dieTemperature;
    const whole = Math.floor(t);
    this.regs[R.TempInt] = whole & 0xff;
    this.regs[R.TempFrac] = Math.round((t - whole) / 0.0625) & 0x0f;
    this.regs[R.TempConfig] = 0;
    this.regs[R.Status2] |= DIE_TEMP_RDY;
    this.#tempDoneAtMs = -1;
  }
}
