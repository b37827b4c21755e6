// The device's MQTT topics, all below devices/<id>/. The id is checked once here: it must be usable both
// as one topic level (no "/", "+", "#", MQTT 5.0 section 4.7) and inside a SenML name (RFC 8428 section
// 4.5.1), so a bad id fails at start-up rather than on the first publish.
import { ConfigError } from "./config.js";

export interface DeviceTopics {
  telemetry: string;
  status: string;
  alerts: string;
  config: string;
  configRejected: string;
}

const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export function deviceTopics(deviceId: string): DeviceTopics {
  if (!DEVICE_ID.test(deviceId)) {
    throw new ConfigError("out-of-range", `device id ${JSON.stringify(deviceId)} must be 1-64 of A-Z a-z 0-9 . _ : - starting with a letter or digit`, "deviceId");
  }
  const base = `devices/${deviceId}/`;
  return {
    telemetry: base + "telemetry",
    status: base + "status",
    alerts: base + "alerts",
    config: base + "config",
    configRejected: base + "config/rejected",
  };
}
