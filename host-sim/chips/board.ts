// A virtual wearable: one I2C bus with a MAX30102 and a skin thermometer on it, driven by a light source and
// a temperature, for demos (`npm start`), the XS host and end-to-end tests. Pure: no Node API.
import { VirtualI2CBus } from "./bus.js";
import { Max30102Model } from "./max30102-model.js";
import { Max30205Model } from "./max30205-model.js";
import type { OpticalSource } from "./optical.js";
import { SyntheticPpg } from "./ppg-synthetic.js";
import { Tmp117Model } from "./tmp117-model.js";

export interface BoardOptions {
  /** What the PPG sensor sees (default: a resting 72 bpm finger, seed 1). */
  light?: OpticalSource;
  /** Which body-temperature chip sits at 0x48 (default "tmp117"). */
  thermometer?: "tmp117" | "max30205" | "none";
  /** Skin temperature, C (default 36.4). */
  skinTemperature?: number;
}

export interface Board {
  bus: VirtualI2CBus;
  ppg: Max30102Model;
  thermometer?: Tmp117Model | Max30205Model;
  /** Move virtual time on for every chip. */
  advance(ms: number): void;
}

export function createBoard(options: BoardOptions = {}): Board {
  const bus = new VirtualI2CBus();
  const ppg = new Max30102Model({ source: options.light ?? new SyntheticPpg({ seed: 1, heartRate: () => 72 }) });
  bus.attach(ppg);
  const temperature = options.skinTemperature ?? 36.4;
  const kind = options.thermometer ?? "tmp117";
  const thermometer = kind === "tmp117" ? new Tmp117Model({ temperature }) : kind === "max30205" ? new Max30205Model({ temperature }) : undefined;
  if (thermometer) bus.attach(thermometer);
  return { bus, ppg, thermometer, advance: (ms) => bus.advance(ms) };
}
