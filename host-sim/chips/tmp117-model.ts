// Register-level model of the TMP117 for the virtual I2C bus (TI datasheet SNOSD82). Registers: result 0x00
// (int16, 7.8125 mC; 0x8000 = -256 C until the first conversion), configuration 0x01, THigh 0x02, TLow 0x03,
// EEPROM 0x04..0x06 and 0x08, Temp_Offset 0x07, device id 0x0F (0x0117). Modes: continuous (cycle time from
// CONV and AVG), shutdown, one-shot (returns to shutdown). Data_Ready and the alert flags clear when the
// configuration register is read; Data_Ready also when the result is read. Soft reset restores defaults.
import { fromRegister, toRegister, WordRegisterChip } from "./word-register-chip.js";

const LSB = 0.0078125;
const HIGH_ALERT = 0x8000, LOW_ALERT = 0x4000, DATA_READY = 0x2000, THERM = 0x0010, SOFT_RESET = 0x0002;
const DEFAULT_CONFIG = 0x0220;
/** One conversion takes 15.5 ms; AVG codes average 1/8/32/64 of them. */
const CONVERSION_MS = 15.5;
const AVERAGES = [1, 8, 32, 64];
/** Continuous-mode cycle time in ms, [CONV][AVG] (datasheet table "conversion cycle time"). */
const CYCLE_MS = [
  [15.5, 125, 500, 1000],
  [125, 125, 500, 1000],
  [250, 250, 500, 1000],
  [500, 500, 500, 1000],
  [1000, 1000, 1000, 1000],
  [4000, 4000, 4000, 4000],
  [8000, 8000, 8000, 8000],
  [16000, 16000, 16000, 16000],
];

export class Tmp117Model extends WordRegisterChip {
  readonly address: number;
  temperature: number;
  deviceId: number;
  config = DEFAULT_CONFIG;
  result = 0x8000;
  high = 0x6000;
  low = 0x8000;
  offset = 0;
  eeprom = new Uint16Array(4);
  conversions = 0;
  #timeMs = 0;
  #readyAtMs = 0;
  #cycleMs = 0;

  constructor(options: { temperature?: number; address?: number; deviceId?: number } = {}) {
    super();
    this.address = options.address ?? 0x48;
    this.temperature = options.temperature ?? 36.6;
    this.deviceId = options.deviceId ?? 0x0117;
    this.#schedule();
  }

  get mode(): number {
    return (this.config >> 10) & 3;
  }

  protected width(): number {
    return 2;
  }

  protected readRegister(register: number): number {
    switch (register) {
      case 0x00:
        this.config &= ~DATA_READY;
        return this.result;
      case 0x01: {
        const value = this.config;
        this.config &= ~DATA_READY;
        if (!(this.config & THERM)) this.config &= ~(HIGH_ALERT | LOW_ALERT);
        return value;
      }
      case 0x02:
        return this.high;
      case 0x03:
        return this.low;
      case 0x04:
      case 0x05:
      case 0x06:
        return this.eeprom[register - 0x04];
      case 0x07:
        return this.offset;
      case 0x08:
        return this.eeprom[3];
      case 0x0f:
        return this.deviceId;
      default:
        return 0;
    }
  }

  protected writeRegister(register: number, value: number): void {
    switch (register) {
      case 0x01:
        if (value & SOFT_RESET) {
          this.config = DEFAULT_CONFIG;
          this.result = 0x8000;
          this.high = 0x6000;
          this.low = 0x8000;
          this.offset = 0;
        } else {
          this.config = (this.config & 0xf000) | (value & 0x0ffc);
        }
        this.#schedule();
        return;
      case 0x02:
        this.high = value;
        return;
      case 0x03:
        this.low = value;
        return;
      case 0x07:
        this.offset = value;
        return;
    }
  }

  advance(ms: number): void {
    const end = this.#timeMs + ms;
    while (this.#readyAtMs >= 0 && this.#readyAtMs <= end) {
      this.#convert();
      if (this.mode === 3) {
        this.config = (this.config & ~0x0c00) | (1 << 10); // one-shot done: back to shutdown
        this.#readyAtMs = -1;
      } else {
        this.#readyAtMs += this.#cycleMs;
      }
    }
    this.#timeMs = end;
  }

  /** A mode or timing change restarts the conversion cycle. */
  #schedule(): void {
    const avg = (this.config >> 5) & 3;
    const conv = (this.config >> 7) & 7;
    const active = AVERAGES[avg] * CONVERSION_MS;
    this.#cycleMs = CYCLE_MS[conv][avg];
    this.#readyAtMs = this.mode === 1 ? -1 : this.#timeMs + active;
  }

  #convert(): void {
    this.result = toRegister(this.temperature + fromRegister(this.offset, LSB), LSB);
    this.conversions++;
    this.config |= DATA_READY;
    const t = fromRegister(this.result, LSB);
    if (this.config & THERM) {
      if (t > fromRegister(this.high, LSB)) this.config |= HIGH_ALERT;
      else if (t < fromRegister(this.low, LSB)) this.config &= ~HIGH_ALERT;
    } else {
      if (t > fromRegister(this.high, LSB)) this.config |= HIGH_ALERT;
      if (t < fromRegister(this.low, LSB)) this.config |= LOW_ALERT;
    }
  }
}
