// The lin simulator's sensors (it has no I2C): the same drain loop and estimator as the device
// (sensors/sensor-chain.ts), fed by the simulated light source and thermometer of firmware/simulated/. The manifest maps
// the module "platform/moddable/sensors" to this file on lin and to sensors.ts on esp32.
import type { Clock } from "../ports.js";
import { SimulatedPpg, SimulatedThermometer } from "../../simulated/ppg.js";
import { runVitals, type Vitals } from "../../sensors/sensor-chain.js";

export function startSensors(clock: Clock, onError: (error: Error) => void): Vitals {
  trace("sensors: simulated PPG and skin temperature (no I2C in the simulator)\n");
  return runVitals(clock, new SimulatedPpg({ clock }), new SimulatedThermometer(clock), onError);
}
