// MAX30102 pulse-oximetry / heart-rate front end, after the ECMA-419 sensor class pattern:
// `new Max30102({sensor: {...device.I2C.default, io: I2C}})`, `configure()`, `sample()`, `close()`.
// The chip samples on its own clock into a 32-deep FIFO; sample() drains it. Samples the host was too slow
// to collect are counted from the overflow counter and reported, never dropped silently.
import type { SensorBus } from "../platform/ports.js";
import { SensorError } from "./sensor-error.js";
import { probe, RegisterIO } from "./register-io.js";
import { applySettings } from "./settings.js";
import {
  ADC_RANGES_NA,
  BYTES_PER_CHANNEL,
  DIE_TEMP_FRACTION_C,
  FIFO_DEPTH,
  Interrupt1,
  Interrupt2,
  LED_MA_PER_STEP,
  MAX30102_ADDRESS,
  MAX30102_PART_ID,
  Mode,
  OVERFLOW_MAX,
  PULSE_WIDTHS_US,
  Register,
  SAMPLE_AVERAGES,
  SAMPLE_MASK,
  SAMPLE_RATES,
} from "./max30102-registers.js";

export type Max30102Mode = "heart-rate" | "spo2" | "multi-led";
export type LedSlot = "red" | "ir" | "none";
export type SampleRate = (typeof SAMPLE_RATES)[number];
export type PulseWidth = (typeof PULSE_WIDTHS_US)[number];
export type AdcRange = (typeof ADC_RANGES_NA)[number];
export type SampleAverage = (typeof SAMPLE_AVERAGES)[number];

export interface Max30102Config {
  /** "heart-rate" samples the red LED only; "spo2" red then IR; "multi-led" follows `slots`. */
  mode: Max30102Mode;
  /** ADC conversions per second. */
  sampleRate: SampleRate;
  /** LED pulse width in microseconds: 69/118/215/411 give 15/16/17/18-bit resolution. */
  pulseWidth: PulseWidth;
  /** ADC full scale in nA. */
  adcRange: AdcRange;
  /** LED drive in mA, 0..51 in 0.2 mA steps. */
  redCurrent: number;
  irCurrent: number;
  /** Conversions averaged into one FIFO sample: the FIFO rate is sampleRate / sampleAverage. */
  sampleAverage: SampleAverage;
  /** When full, overwrite the oldest sample (true) or drop new ones (false); both are counted as lost. */
  rollover: boolean;
  /** Unread samples that raise the almost-full interrupt, 17..32. */
  almostFull: number;
  /** Multi-LED time slots 1..4 (unused ones "none"). */
  slots: LedSlot[];
  interrupts: { almostFull: boolean; dataReady: boolean; ambientOverflow: boolean; dieTemperature: boolean };
  shutdown: boolean;
}

export type Max30102Settings = Partial<Omit<Max30102Config, "interrupts">> & {
  interrupts?: Partial<Max30102Config["interrupts"]>;
};

export interface Max30102Options extends Max30102Settings {
  sensor: SensorBus;
  /** Some clone boards store IR before red in SpO2 mode. */
  irFirst?: boolean;
}

/** What one sample() call drained. The object and its arrays are reused by the next call. */
export interface Max30102Samples {
  /** Samples drained now; red[0..count) and ir[0..count) hold them, oldest first, 18-bit counts. */
  count: number;
  red: Int32Array;
  ir: Int32Array;
  /** Samples lost to FIFO overflow since the previous call (a lower bound when `lostSaturated`). */
  lost: number;
  /** The overflow counter was at its 5-bit maximum: more than `lost` samples may be gone. */
  lostSaturated: boolean;
  /** The stream is not continuous with the previous call (samples lost or a read failed). */
  discontinuity: boolean;
}

export const MAX30102_DEFAULTS: Max30102Config = {
  mode: "spo2",
  sampleRate: 400,
  pulseWidth: 411,
  adcRange: 4096,
  redCurrent: 7.2,
  irCurrent: 7.2,
  sampleAverage: 4,
  rollover: true,
  almostFull: 17,
  slots: ["red", "ir", "none", "none"],
  interrupts: { almostFull: false, dataReady: false, ambientOverflow: false, dieTemperature: false },
  shutdown: false,
};

const PART = "MAX30102";
/** Polls of MODE_CONFIG while RESET is still set (the reset itself takes well under a millisecond). */
const RESET_POLLS = 20;
/** Longest pulse width allowed per sample rate (datasheet tables 11 and 12): the LED pulses of all
 *  active channels must fit in one sample period. */
const MAX_PULSE_SINGLE: Record<SampleRate, number> = { 50: 411, 100: 411, 200: 411, 400: 411, 800: 411, 1000: 215, 1600: 118, 3200: 69 };
const MAX_PULSE_MULTI: Record<SampleRate, number> = { 50: 411, 100: 411, 200: 411, 400: 411, 800: 215, 1000: 118, 1600: 69, 3200: 0 };
const SLOT_CODE: Record<LedSlot, number> = { none: 0, red: 1, ir: 2 };

export class Max30102 {
  #regs: RegisterIO;
  #config: Max30102Config = { ...MAX30102_DEFAULTS, slots: [...MAX30102_DEFAULTS.slots], interrupts: { ...MAX30102_DEFAULTS.interrupts } };
  #irFirst: boolean;
  /** FIFO channel order, 0 = red, 1 = IR, for the configured mode. */
  #channels = new Uint8Array(4);
  #channelCount = 0;
  #readFailed = false;
  #lostTotal = 0;
  readonly #out: Max30102Samples = {
    count: 0,
    red: new Int32Array(FIFO_DEPTH),
    ir: new Int32Array(FIFO_DEPTH),
    lost: 0,
    lostSaturated: false,
    discontinuity: false,
  };

  constructor(options: Max30102Options) {
    const { sensor, irFirst, ...settings } = options;
    this.#irFirst = irFirst ?? false;
    this.#regs = new RegisterIO(sensor, MAX30102_ADDRESS, PART);
    try {
      const id = probe(this.#regs, () => this.#regs.readByte(Register.PartId));
      if (id !== MAX30102_PART_ID) {
        throw new SensorError("wrong-part", PART, this.#regs.address, `part id 0x${id.toString(16)}, expected 0x15`);
      }
      this.resetChip();
      this.configure(settings);
    } catch (error) {
      this.#regs.close();
      throw error;
    }
  }

  /** Soft reset (every register back to its power-on value, FIFO emptied), then the current configuration
   *  written again. */
  reset(): void {
    this.resetChip();
    this.configure({});
  }

  private resetChip(): void {
    this.#regs.writeByte(Register.ModeConfig, Mode.Reset);
    let polls = 0;
    while (this.#regs.readByte(Register.ModeConfig) & Mode.Reset) {
      if (++polls >= RESET_POLLS) throw new SensorError("timeout", PART, this.#regs.address, "RESET bit did not clear");
    }
    this.readInterrupts(); // clears PWR_RDY left by the reset
  }

  get configuration(): Readonly<Max30102Config> {
    return this.#config;
  }

  /** FIFO samples per second (ADC rate / averaging): the rate to give a heart-rate estimator. */
  get outputRate(): number {
    return this.#config.sampleRate / this.#config.sampleAverage;
  }

  /** Samples lost to overflow since construction (lower bound if the counter ever saturated). */
  get lostTotal(): number {
    return this.#lostTotal;
  }

  /** Apply settings on top of the current configuration. The FIFO is emptied: old samples were taken
   *  with other settings. */
  configure(settings: Max30102Settings): void {
    const { slots, interrupts, ...rest } = settings;
    const next: Max30102Config = {
      ...applySettings(this.#config, rest),
      slots: slots ? [...slots] : this.#config.slots,
      interrupts: applySettings(this.#config.interrupts, interrupts ?? {}),
    };
    this.validate(next);
    const r = this.#regs;
    const mode = next.mode === "heart-rate" ? Mode.HeartRate : next.mode === "spo2" ? Mode.SpO2 : Mode.MultiLed;
    r.writeByte(Register.ModeConfig, Mode.Shutdown | mode); // hold still while reconfiguring
    r.writeByte(
      Register.FifoConfig,
      (SAMPLE_AVERAGES.indexOf(next.sampleAverage) << 5) | (next.rollover ? 0x10 : 0) | (32 - next.almostFull),
    );
    r.writeByte(
      Register.Spo2Config,
      (ADC_RANGES_NA.indexOf(next.adcRange) << 5) | (SAMPLE_RATES.indexOf(next.sampleRate) << 2) | PULSE_WIDTHS_US.indexOf(next.pulseWidth),
    );
    r.writeByte(Register.Led1Amplitude, Math.round(next.redCurrent / LED_MA_PER_STEP));
    r.writeByte(Register.Led2Amplitude, Math.round(next.irCurrent / LED_MA_PER_STEP));
    const s = next.slots;
    r.writeByte(Register.MultiLedSlots12, (SLOT_CODE[s[1] ?? "none"] << 4) | SLOT_CODE[s[0] ?? "none"]);
    r.writeByte(Register.MultiLedSlots34, (SLOT_CODE[s[3] ?? "none"] << 4) | SLOT_CODE[s[2] ?? "none"]);
    const i = next.interrupts;
    r.writeByte(
      Register.InterruptEnable1,
      (i.almostFull ? Interrupt1.AlmostFull : 0) | (i.dataReady ? Interrupt1.DataReady : 0) | (i.ambientOverflow ? Interrupt1.AmbientOverflow : 0),
    );
    r.writeByte(Register.InterruptEnable2, i.dieTemperature ? Interrupt2.DieTempReady : 0);
    this.clearFifo();
    r.writeByte(Register.ModeConfig, (next.shutdown ? Mode.Shutdown : 0) | mode);
    this.#config = next;
    this.setChannels();
  }

  /** Drain the FIFO. Handles the 5-bit pointer wrap and a full FIFO (write pointer == read pointer with
   *  a non-zero overflow counter). */
  sample(): Max30102Samples {
    const out = this.#out;
    out.count = 0;
    out.lost = 0;
    out.lostSaturated = false;
    out.discontinuity = this.#readFailed;
    this.#readFailed = true; // until this read completes
    const pointers = this.#regs.read(Register.FifoWritePointer, 3); // WR_PTR, OVF_COUNTER, RD_PTR
    const write = pointers[0] & 0x1f;
    const overflow = pointers[1] & 0x1f;
    const read = pointers[2] & 0x1f;
    let available = (write - read) & 0x1f;
    if (available === 0 && overflow > 0) available = FIFO_DEPTH;
    out.lost = overflow;
    out.lostSaturated = overflow === OVERFLOW_MAX;
    if (overflow > 0) out.discontinuity = true;
    this.#lostTotal += overflow;
    const channels = this.#channelCount;
    if (available > 0 && channels > 0) {
      const bytes = this.#regs.read(Register.FifoData, available * channels * BYTES_PER_CHANNEL);
      let at = 0;
      for (let n = 0; n < available; n++) {
        for (let c = 0; c < channels; c++) {
          const value = ((bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2]) & SAMPLE_MASK;
          at += BYTES_PER_CHANNEL;
          if (this.#channels[c] === 0) out.red[n] = value;
          else out.ir[n] = value;
        }
      }
      out.count = available;
    }
    this.#readFailed = false;
    return out;
  }

  /** Interrupt status 1 in bits 7..0 and status 2 in bits 15..8; reading clears them on the chip. */
  readInterrupts(): number {
    const status = this.#regs.read(Register.InterruptStatus1, 2);
    return status[0] | (status[1] << 8);
  }

  /** Start a die temperature conversion (about 29 ms). */
  startDieTemperature(): void {
    this.#regs.writeByte(Register.DieTempConfig, 0x01);
  }

  /** Die temperature in C once the conversion has finished (TEMP_EN cleared itself), else undefined. */
  readDieTemperature(): number | undefined {
    if (this.#regs.readByte(Register.DieTempConfig) & 0x01) return undefined;
    const t = this.#regs.read(Register.DieTempInteger, 2);
    return ((t[0] << 24) >> 24) + (t[1] & 0x0f) * DIE_TEMP_FRACTION_C;
  }

  close(): void {
    this.#regs.close();
  }

  private clearFifo(): void {
    this.#regs.writeByte(Register.FifoWritePointer, 0);
    this.#regs.writeByte(Register.OverflowCounter, 0);
    this.#regs.writeByte(Register.FifoReadPointer, 0);
  }

  private setChannels(): void {
    const c = this.#config;
    const ch = this.#channels;
    if (c.mode === "heart-rate") {
      ch[0] = 0;
      this.#channelCount = 1;
    } else if (c.mode === "spo2") {
      ch[0] = this.#irFirst ? 1 : 0;
      ch[1] = this.#irFirst ? 0 : 1;
      this.#channelCount = 2;
    } else {
      // Slots fill in order; the first unused slot ends the sequence (datasheet, multi-LED mode).
      let n = 0;
      while (n < 4 && c.slots[n] !== undefined && c.slots[n] !== "none") {
        ch[n] = c.slots[n] === "red" ? 0 : 1;
        n++;
      }
      this.#channelCount = n;
    }
  }

  private validate(c: Max30102Config): void {
    const bad = (what: string) => new SensorError("invalid-config", PART, this.#regs.address, what);
    if (c.mode !== "heart-rate" && c.mode !== "spo2" && c.mode !== "multi-led") throw bad(`mode ${c.mode}`);
    if (c.slots.some((slot) => slot !== "red" && slot !== "ir" && slot !== "none")) throw bad(`LED slots ${c.slots.join(",")}`);
    if (!SAMPLE_RATES.includes(c.sampleRate)) throw bad(`sample rate ${c.sampleRate}`);
    if (!PULSE_WIDTHS_US.includes(c.pulseWidth)) throw bad(`pulse width ${c.pulseWidth} us`);
    if (!ADC_RANGES_NA.includes(c.adcRange)) throw bad(`ADC range ${c.adcRange} nA`);
    if (!SAMPLE_AVERAGES.includes(c.sampleAverage)) throw bad(`sample averaging ${c.sampleAverage}`);
    if (!(c.almostFull >= 17 && c.almostFull <= 32) || c.almostFull % 1 !== 0) throw bad(`almost-full ${c.almostFull}`);
    for (const ma of [c.redCurrent, c.irCurrent]) {
      if (!(ma >= 0 && ma <= 255 * LED_MA_PER_STEP)) throw bad(`LED current ${ma} mA`);
    }
    const pulses = c.mode === "heart-rate" ? 1 : 2;
    const limit = (pulses === 1 ? MAX_PULSE_SINGLE : MAX_PULSE_MULTI)[c.sampleRate];
    if (c.pulseWidth > limit) throw bad(`pulse width ${c.pulseWidth} us does not fit ${c.sampleRate} sps in ${c.mode} mode`);
    if (c.mode === "multi-led" && (c.slots[0] ?? "none") === "none") throw bad("multi-LED mode with no active slot");
  }
}
