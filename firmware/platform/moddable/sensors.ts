// The device's sensors on the board's default I2C bus (`device.I2C.default`: {io: I2C, data, clock}).
// On lin the manifest maps this module to sensors-simulated.ts instead.
import type { Clock, SensorBus } from "../ports.js";
import { startVitals, type Vitals } from "../../sensors/sensor-chain.js";
import { SensorError } from "../../sensors/sensor-error.js";

export function startSensors(clock: Clock, onError: (error: Error) => void): Vitals {
  // The SDK's own typings describe I2C.default without its `io`; the runtime object has it.
  const bus = device.I2C?.default as unknown as SensorBus | undefined;
  if (!bus) {
    onError(new SensorError("absent", "I2C", 0, "this board has no default I2C bus (device.I2C.default)"));
    return { sources: {}, sink: undefined, close() {} };
  }
  return startVitals({ ...bus, hz: 400_000 }, clock, onError);
}
