// Firmware error classes that keep their class across the bridge (both directions), so `instanceof` and
// `code` work on either side. Pure: the XS runtime bundles it too.
import { ProtocolError } from "../../firmware/mqtt/codec/protocol-error.js";
import { TlsError } from "../../firmware/mqtt/platform/tls-error.js";
import { SensorError } from "../../firmware/sensors/sensor-error.js";

export const firmwareErrorPrototypes: Record<string, object> = {
  ProtocolError: ProtocolError.prototype,
  TlsError: TlsError.prototype,
  SensorError: SensorError.prototype,
};
