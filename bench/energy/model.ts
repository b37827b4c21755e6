// From a day of activity (activity.ts: measured, and extended to a day by the schedule) to charge. Only the
// currents come from datasheets; what the host cannot run as the board does is an assumption, named here and
// printed by the bench, for a power analyser to confirm (docs/device.md, "Battery life").
//
// The chip is in one state at a time; a day's 86 400 s split as:
//   radio active (connect, the handshakes' round trips, transfer): the receiver on, plus the transmitter's
//     time for the bytes sent (at the slowest 802.11b rate: an upper bound of its airtime);
//   the board's TLS computation (full: the client's RSA signature, ECDHE, the certificates; resumed: a PRF);
//   XS work (the FIFO drains, the heart-rate estimator, the app), and each wake-up's way in and out of sleep;
//   the rest: light sleep with the radio off, or, while associated and idle, ESP-IDF's measured average of an
//     associated station in automatic light sleep.
// The sensors draw beside the chip all day: the MAX30102's own supply, its LED pulses (from its settings),
// the thermometer.
import { PPG_SETTINGS } from "../../firmware/sensors/sensor-chain.js";
import type { DayActivity } from "./activity.js";

export interface Figure {
  value: number;
  source: string;
}

/** Datasheet currents, mA. */
export const CURRENTS: Record<string, Figure> = {
  lightSleep: { value: 0.8, source: "ESP32 Series Datasheet v5.2, table 4-2: Light-sleep 0.8 mA" },
  cpu: { value: 68, source: "ESP32 Series Datasheet v5.2, table 4-2: Modem-sleep (CPU on, radio off), 240 MHz: 30-68 mA, the upper end" },
  rx: { value: 100, source: "ESP32 Series Datasheet v5.2, RF current consumption: Rx 802.11b/g/n about 100 mA (95-100)" },
  tx: { value: 240, source: "ESP32 Series Datasheet v5.2, RF current consumption: Tx 802.11b 1 Mbps at 19.5 dBm 240 mA (802.11n MCS7 180 mA)" },
  associated: { value: 3.34, source: "ESP-IDF guide Low Power Mode in Wi-Fi Scenarios, ESP32: associated station, automatic light-sleep, DTIM1: 3.34 mA (DTIM3 2.33, DTIM10 2.19)" },
  associatedNoPm: { value: 31.12, source: "same ESP-IDF guide, ESP32: Modem-sleep, no DFS, DTIM1: 31.12 mA (the firmware as built before: no power management)" },
  ppgChip: { value: 0.6, source: "MAX30102 datasheet 19-7740, electrical characteristics: supply current, SpO2 and HR modes, 600 uA typ" },
  thermometer: { value: 0.0035, source: "TMP117 datasheet: 3.5 uA average at one conversion a second" },
};

/** What the host cannot measure as the board would do it: assumptions, each to confirm on the board. */
export const ASSUMPTIONS: Record<string, Figure> = {
  xsOpsPerS: { value: 5e6, source: "XS operations (the XS engine's compute meter: bytecodes and builtins) per second on the ESP32 at 240 MHz: about 48 cycles each" },
  wakeMs: { value: 1, source: "ms awake at 240 MHz per timer wake-up for the way in and out of light sleep and the scheduler, beyond the XS work itself" },
  fullHandshakeS: { value: 2, source: "s of the board's computation in a full handshake (RSA-2048 signature, ECDHE P-256, the broker's chain): about 2 s of CPU for the SDK's TLS on an ESP32 with RSA-2048 (docs/security.md); resumed: that times the ratio measured in mcsim" },
  txMbps: { value: 1, source: "Mbit/s the transmitter's airtime is counted at: 802.11b's slowest rate, an upper bound" },
};

/** XS work a second in steady state, measured in the XS engine (bench/xs-budgets.json, kept within 10 % by
 *  test/xs/budgets.test.ts): a second of PPG through the estimator (`ppg1s`), and the app's compute per
 *  reading over a minute of the sensor chain, drains and estimator included (`app.reading`), at the XS
 *  bench's rates (42 readings a minute, host-sim/xs/measure.ts) and scaled to the readings a second given. */
export function xsOpsPerSecond(budgets: Record<string, number>, readingsPerS: number): number {
  const ppg = budgets["ppg1s.compute"];
  const measuredRate = 42 / 60;
  const perReading = (budgets["app.reading.compute"] * measuredRate - ppg) / measuredRate;
  return ppg + perReading * readingsPerS;
}

export interface Charge {
  /** mAh a day by item. */
  items: Record<string, number>;
  total: number;
  days500mAh: number;
  /** Seconds a day the CPU works (XS, wake-ups, handshake computation). */
  cpuS: number;
}

export interface ChargeInputs {
  /** XS operations a second (xsOpsPerSecond). */
  xsOps: number;
  /** Resumed / full handshake computation, measured in mcsim. */
  resumedComputeRatio: number;
  /** Radio idle while associated: the ESP-IDF average with power management, or without (as built before). */
  powerManagement: boolean;
  /** LEDs pulsing (as built before: red and IR, 2). Default 1, the IR LED (PPG_SETTINGS). */
  leds?: number;
}

const DAY_S = 86_400;
const mAh = (mA: number, s: number) => (mA * s) / 3600;

export function charge(a: DayActivity, inputs: ChargeInputs): Charge {
  const c = (name: string) => CURRENTS[name].value;
  const x = (name: string) => ASSUMPTIONS[name].value;
  const handshakeCpuS = a.handshakes.full * x("fullHandshakeS") + a.handshakes.resumed * x("fullHandshakeS") * inputs.resumedComputeRatio;
  const xsS = (inputs.xsOps / x("xsOpsPerS")) * DAY_S;
  const wakeS = (a.wakeups * x("wakeMs")) / 1000;
  const radioActiveS = a.connectS + a.tlsS + a.transferS;
  const txS = (a.up * 8) / (x("txMbps") * 1e6);
  const rest = Math.max(0, DAY_S - radioActiveS - handshakeCpuS - xsS - wakeS);
  // Associated and idle: the idle share of the cycles (or, always connected, of the day), at ESP-IDF's average.
  const associatedS = Math.min(rest, a.idleS);
  const sleepS = rest - associatedS;
  const associatedMa = inputs.powerManagement ? c("associated") : c("associatedNoPm");
  const ledMa = (inputs.leds ?? 1) * (PPG_SETTINGS.irCurrent ?? 0) * ((PPG_SETTINGS.pulseWidth ?? 0) / 1e6) * (PPG_SETTINGS.sampleRate ?? 0);
  const items: Record<string, number> = {
    "sleep (light sleep, radio off)": mAh(inputs.powerManagement ? c("lightSleep") : c("associatedNoPm"), sleepS),
    "associated, idle": mAh(associatedMa, associatedS),
    "radio: connect, TLS round trips, transfer (receiver)": mAh(c("rx"), radioActiveS),
    "radio: transmitter airtime": mAh(c("tx") - c("rx"), txS),
    "CPU: TLS computation": mAh(c("cpu"), handshakeCpuS),
    "CPU: XS work (drains, estimator, app)": mAh(c("cpu"), xsS),
    "CPU: wake-ups": mAh(c("cpu"), wakeS),
    "MAX30102 (its supply)": mAh(c("ppgChip"), DAY_S),
    "MAX30102 IR LED pulses": mAh(ledMa, DAY_S),
    "thermometer": mAh(c("thermometer"), DAY_S),
  };
  const total = Object.values(items).reduce((s, v) => s + v, 0);
  return { items, total, days500mAh: 500 / total, cpuS: handshakeCpuS + xsS + wakeS };
}

/** The LED's on-time a day, s: pulses a second x pulse width (the sensor runs all day). */
export function ledOnSeconds(): number {
  return ((PPG_SETTINGS.pulseWidth ?? 0) / 1e6) * (PPG_SETTINGS.sampleRate ?? 0) * DAY_S;
}
