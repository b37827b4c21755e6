// Register-level model of the MAX30205 human body temperature sensor for the virtual I2C bus.
// Registers: temperature 0x00 (int16, 1/256 C), configuration 0x01 (8 bits), THYST 0x02, TOS 0x03.
// Continuous mode converts every 50 ms; the temperature register reads 0 until the first conversion.
// Shutdown + ONE-SHOT starts one conversion; the model reads ONE-SHOT back as 1 until it completes
// (assumption: the conversion-busy indication the driver relies on). Extended format stores T - 64 C.
// Other register addresses read 0xFFFF.
import { fromRegister, toRegister, WordRegisterChip } from "./word-register-chip.js";

const LSB = 1 / 256;
const CONVERSION_MS = 50;
const SHUTDOWN = 0x01, INTERRUPT = 0x02, ACTIVE_HIGH = 0x04, EXTENDED = 0x20, ONE_SHOT = 0x80;

export class Max30205Model extends WordRegisterChip {
  readonly address: number;
  /** The temperature the sensor is exposed to, C. */
  temperature: number;
  config = 0;
  result = 0;
  hysteresis = 0x4b00; // 75 C
  overTemperature = 0x5000; // 80 C
  /** State of the OS output, true = asserted (before polarity). */
  os = false;
  conversions = 0;
  #nextMs = CONVERSION_MS;
  #oneShotDoneMs = -1;
  #timeMs = 0;

  constructor(options: { temperature?: number; address?: number } = {}) {
    super();
    this.address = options.address ?? 0x48;
    this.temperature = options.temperature ?? 36.6;
  }

  /** The OS pin level: high when (asserted and active-high) or (released and active-low). */
  get osPinHigh(): boolean {
    return this.os === ((this.config & ACTIVE_HIGH) !== 0);
  }

  protected width(register: number): number {
    return register === 0x01 ? 1 : 2;
  }

  protected readRegister(register: number): number {
    switch (register) {
      case 0x00:
        if (this.config & INTERRUPT) this.os = false; // interrupt mode: any read clears OS
        return this.result;
      case 0x01:
        return this.config;
      case 0x02:
        return this.hysteresis;
      case 0x03:
        return this.overTemperature;
      default:
        return 0xffff;
    }
  }

  protected writeRegister(register: number, value: number): void {
    switch (register) {
      case 0x01: {
        const wasShutdown = this.config & SHUTDOWN;
        this.config = value & 0x7f;
        if (value & ONE_SHOT && value & SHUTDOWN && this.#oneShotDoneMs < 0) {
          this.config |= ONE_SHOT;
          this.#oneShotDoneMs = this.#timeMs + CONVERSION_MS;
        }
        if (wasShutdown && !(value & SHUTDOWN)) this.#nextMs = this.#timeMs + CONVERSION_MS;
        return;
      }
      case 0x02:
        this.hysteresis = value & 0xff80; // 9-bit thresholds
        return;
      case 0x03:
        this.overTemperature = value & 0xff80;
        return;
    }
  }

  advance(ms: number): void {
    const end = this.#timeMs + ms;
    if (!(this.config & SHUTDOWN)) {
      while (this.#nextMs <= end) {
        this.#convert();
        this.#nextMs += CONVERSION_MS;
      }
    } else if (this.#oneShotDoneMs >= 0 && this.#oneShotDoneMs <= end) {
      this.#convert();
      this.config &= ~ONE_SHOT;
      this.#oneShotDoneMs = -1;
    }
    this.#timeMs = end;
  }

  #convert(): void {
    const extended = (this.config & EXTENDED) !== 0;
    this.result = toRegister(extended ? this.temperature - 64 : this.temperature, LSB);
    this.conversions++;
    const t = fromRegister(this.result, LSB);
    const tos = fromRegister(this.overTemperature, LSB);
    const thyst = fromRegister(this.hysteresis, LSB);
    if (t > tos) this.os = true;
    else if (t < thyst && !(this.config & INTERRUPT)) this.os = false;
  }
}
