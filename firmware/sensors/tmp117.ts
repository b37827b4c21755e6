// TMP117 digital temperature sensor (datasheet SNOSD82): result register 0x00, two's complement,
// LSB 0.0078125 C; device id register 0x0F reads 0x?117 (bits 15:12 are the revision).
// The result register holds 0x8000 (-256 C) after power-up until the first conversion: the driver only
// returns a temperature when the Data_Ready flag says a conversion has completed since the last read.
import type { SensorBus } from "../platform/ports.js";
import { SensorError } from "./sensor-error.js";
import { probe, RegisterIO, signed16 } from "./register-io.js";
import { applySettings } from "./settings.js";
import type { TemperatureSample } from "./temperature.js";

export const TMP117_ADDRESS = 0x48;
export const TMP117_DEVICE_ID = 0x117;
/** Device-id register; the MAX30205 driver reads it too, to tell the two apart at 0x48. */
export const TMP117_ID_REGISTER = 0x0f;

/** Whether a device-id register value names a TMP117 (bits 15:12 are the revision). */
export function isTmp117Id(id: number): boolean {
  return (id & 0x0fff) === TMP117_DEVICE_ID;
}

const Reg = { Result: 0x00, Configuration: 0x01, HighLimit: 0x02, LowLimit: 0x03, Offset: 0x07, DeviceId: TMP117_ID_REGISTER } as const;
const Config = { HighAlert: 0x8000, LowAlert: 0x4000, DataReady: 0x2000, ModeShift: 10, ConvShift: 7, AvgShift: 5, ThermAlert: 0x10, ActiveHigh: 0x08, DrPin: 0x04 } as const;
const Modes = { continuous: 0b00, shutdown: 0b01, "one-shot": 0b11 } as const;
const AVERAGES = [1, 8, 32, 64] as const;
const LSB_C = 0.0078125;
const PART = "TMP117";

export interface Tmp117Config {
  mode: keyof typeof Modes;
  /** Conversions averaged per result. */
  averaging: (typeof AVERAGES)[number];
  /** CONV[2:0]: the continuous-mode cycle time code, 0..7 (15.5 ms .. 16 s, see the datasheet table). */
  cycle: number;
  /** Added by the chip to every result, C (the Temp_Offset register). */
  offset: number;
  /** Alert limits, C. */
  highLimit: number;
  lowLimit: number;
  /** ALERT pin in therm mode instead of alert mode; its polarity; or used as a data-ready pin. */
  thermMode: boolean;
  activeHigh: boolean;
  dataReadyPin: boolean;
}

export const TMP117_DEFAULTS: Tmp117Config = {
  mode: "continuous",
  averaging: 8,
  cycle: 4,
  offset: 0,
  highLimit: 192,
  lowLimit: -256,
  thermMode: false,
  activeHigh: false,
  dataReadyPin: false,
};

export class Tmp117 {
  #regs: RegisterIO;
  #config: Tmp117Config = { ...TMP117_DEFAULTS };
  #pending = false;
  /** High/low alert flags seen by the last sample() (reading the configuration register clears them). */
  alerts = 0;
  readonly #out: TemperatureSample = { temperature: Number.NaN };

  constructor(options: { sensor: SensorBus } & Partial<Tmp117Config>) {
    const { sensor, ...settings } = options;
    this.#regs = new RegisterIO(sensor, TMP117_ADDRESS, PART);
    try {
      const id = probe(this.#regs, () => this.#regs.readWord(Reg.DeviceId));
      if (!isTmp117Id(id)) {
        throw new SensorError("wrong-part", PART, this.#regs.address, `device id 0x${id.toString(16)}, expected 0x117`);
      }
      this.configure(settings);
    } catch (error) {
      this.#regs.close();
      throw error;
    }
  }

  get configuration(): Readonly<Tmp117Config> {
    return this.#config;
  }

  configure(settings: Partial<Tmp117Config>): void {
    const next = applySettings(this.#config, settings);
    const avg = AVERAGES.indexOf(next.averaging);
    const bad = (what: string) => new SensorError("invalid-config", PART, this.#regs.address, what);
    if (avg < 0) throw bad(`averaging ${next.averaging}`);
    if (!(next.cycle >= 0 && next.cycle <= 7) || next.cycle % 1 !== 0) throw bad(`cycle code ${next.cycle}`);
    this.#regs.writeWord(Reg.Offset, this.encode(next.offset));
    this.#regs.writeWord(Reg.HighLimit, this.encode(next.highLimit));
    this.#regs.writeWord(Reg.LowLimit, this.encode(next.lowLimit));
    this.#regs.writeWord(Reg.Configuration, this.configWord(next, next.mode));
    this.#config = next;
    this.#pending = next.mode === "one-shot";
  }

  /** A temperature converted since the previous call, or undefined when none has completed yet. In one-shot
   *  mode a call that finds no conversion running starts one. The returned object is reused. */
  sample(): TemperatureSample | undefined {
    const config = this.#regs.readWord(Reg.Configuration); // reading clears Data_Ready and the alert flags
    this.alerts = config & (Config.HighAlert | Config.LowAlert);
    if (config & Config.DataReady) {
      this.#out.temperature = signed16(this.#regs.readWord(Reg.Result)) * LSB_C;
      this.#pending = false;
      if (this.#config.mode === "one-shot") this.startOneShot();
      return this.#out;
    }
    if (this.#config.mode === "one-shot" && !this.#pending) this.startOneShot();
    return undefined;
  }

  close(): void {
    this.#regs.close();
  }

  private startOneShot(): void {
    this.#regs.writeWord(Reg.Configuration, this.configWord(this.#config, "one-shot"));
    this.#pending = true;
  }

  private configWord(c: Tmp117Config, mode: keyof typeof Modes): number {
    return (
      (Modes[mode] << Config.ModeShift) |
      (c.cycle << Config.ConvShift) |
      (AVERAGES.indexOf(c.averaging) << Config.AvgShift) |
      (c.thermMode ? Config.ThermAlert : 0) |
      (c.activeHigh ? Config.ActiveHigh : 0) |
      (c.dataReadyPin ? Config.DrPin : 0)
    );
  }

  private encode(celsius: number): number {
    const raw = Math.round(celsius / LSB_C);
    if (raw < -32768 || raw > 32767) throw new SensorError("invalid-config", PART, this.#regs.address, `temperature ${celsius} C out of range`);
    return raw & 0xffff;
  }
}
