// MAX30205 clinical temperature sensor (datasheet 19-7464): temperature register 0x00, two's complement,
// LSB 1/256 C. The part has no identity register, so the driver can only check that something answers and
// that it is not a TMP117 (the two share address 0x48).
//
// Freshness: in one-shot mode (the default) the ONE-SHOT bit reads back 1 until the conversion is done, so
// sample() returns each conversion exactly once. Continuous mode has no ready flag: sample() then returns the
// latest conversion, which is at most one conversion time (about 50 ms) old once the first one has finished.
import type { SensorBus } from "../platform/ports.js";
import { SensorError } from "./sensor-error.js";
import { probe, RegisterIO, signed16 } from "./register-io.js";
import { applySettings } from "./settings.js";
import type { TemperatureSample } from "./temperature.js";
import { isTmp117Id, TMP117_ID_REGISTER } from "./tmp117.js";

export const MAX30205_ADDRESS = 0x48;

const Reg = { Temperature: 0x00, Configuration: 0x01, Hysteresis: 0x02, OverTemperature: 0x03 } as const;
const Config = { Shutdown: 0x01, Interrupt: 0x02, ActiveHigh: 0x04, FaultQueueShift: 3, Extended: 0x20, TimeoutOff: 0x40, OneShot: 0x80 } as const;
const LSB_C = 1 / 256;
/** Extended data format: the register holds temperature - 64 C, so readings reach +150 C. */
const EXTENDED_OFFSET_C = 64;
const FAULT_QUEUE = [1, 2, 4, 6] as const;
const PART = "MAX30205";

export interface Max30205Config {
  mode: "one-shot" | "continuous";
  extendedFormat: boolean;
  /** Consecutive faults before OS asserts. */
  faultQueue: (typeof FAULT_QUEUE)[number];
  /** OS output: over-temperature threshold and hysteresis (release) temperature, C. */
  overTemperature: number;
  hysteresis: number;
  /** OS as an interrupt (cleared by a read) instead of a comparator. */
  interruptMode: boolean;
  activeHigh: boolean;
  /** Disable the SMBus bus timeout (needed when the bus may be held low longer than 50 ms). */
  busTimeout: boolean;
}

export const MAX30205_DEFAULTS: Max30205Config = {
  mode: "one-shot",
  extendedFormat: false,
  faultQueue: 1,
  overTemperature: 80,
  hysteresis: 75,
  interruptMode: false,
  activeHigh: false,
  busTimeout: true,
};

export class Max30205 {
  #regs: RegisterIO;
  #config: Max30205Config = { ...MAX30205_DEFAULTS };
  #pending = false;
  readonly #out: TemperatureSample = { temperature: Number.NaN };

  constructor(options: { sensor: SensorBus } & Partial<Max30205Config>) {
    const { sensor, ...settings } = options;
    this.#regs = new RegisterIO(sensor, MAX30205_ADDRESS, PART);
    try {
      probe(this.#regs, () => this.#regs.readByte(Reg.Configuration));
      if (isTmp117Id(this.#tmp117Id())) throw new SensorError("wrong-part", PART, this.#regs.address, "a TMP117 answers at this address");
      this.configure(settings);
    } catch (error) {
      this.#regs.close();
      throw error;
    }
  }

  get configuration(): Readonly<Max30205Config> {
    return this.#config;
  }

  configure(settings: Partial<Max30205Config>): void {
    const next = applySettings(this.#config, settings);
    const fq = FAULT_QUEUE.indexOf(next.faultQueue);
    if (fq < 0) throw new SensorError("invalid-config", PART, this.#regs.address, `fault queue ${next.faultQueue}`);
    this.#regs.writeWord(Reg.OverTemperature, this.encode(next.overTemperature, next.extendedFormat));
    this.#regs.writeWord(Reg.Hysteresis, this.encode(next.hysteresis, next.extendedFormat));
    const value =
      (next.mode === "one-shot" ? Config.Shutdown : 0) |
      (next.interruptMode ? Config.Interrupt : 0) |
      (next.activeHigh ? Config.ActiveHigh : 0) |
      (fq << Config.FaultQueueShift) |
      (next.extendedFormat ? Config.Extended : 0) |
      (next.busTimeout ? 0 : Config.TimeoutOff);
    this.#regs.writeByte(Reg.Configuration, value);
    this.#config = next;
    this.#pending = false;
  }

  /** A new temperature, or undefined while a one-shot conversion is still running (the first call in
   *  one-shot mode starts it). The returned object is reused. */
  sample(): TemperatureSample | undefined {
    if (this.#config.mode === "one-shot") {
      if (!this.#pending) {
        this.startOneShot();
        return undefined;
      }
      if (this.#regs.readByte(Reg.Configuration) & Config.OneShot) return undefined;
      this.#out.temperature = this.readTemperature();
      this.startOneShot(); // the next call finds a fresh conversion instead of a stale one
      return this.#out;
    }
    this.#out.temperature = this.readTemperature();
    return this.#out;
  }

  close(): void {
    this.#regs.close();
  }

  /** The TMP117 device-id register, or 0 when the chip does not acknowledge that pointer: a MAX30205 has no
   *  register 0x0F and may refuse it, which is the expected answer here, not a fault. */
  #tmp117Id(): number {
    try {
      return this.#regs.readWord(TMP117_ID_REGISTER);
    } catch (error) {
      if (error instanceof SensorError && error.code === "bus") return 0;
      throw error;
    }
  }

  private startOneShot(): void {
    const value = this.#regs.readByte(Reg.Configuration);
    this.#regs.writeByte(Reg.Configuration, value | Config.OneShot | Config.Shutdown);
    this.#pending = true;
  }

  private readTemperature(): number {
    const t = signed16(this.#regs.readWord(Reg.Temperature)) * LSB_C;
    return this.#config.extendedFormat ? t + EXTENDED_OFFSET_C : t;
  }

  private encode(celsius: number, extended: boolean): number {
    const raw = Math.round((extended ? celsius - EXTENDED_OFFSET_C : celsius) / LSB_C);
    if (raw < -32768 || raw > 32767) throw new SensorError("invalid-config", PART, this.#regs.address, `threshold ${celsius} C`);
    return raw & 0xffff;
  }
}
