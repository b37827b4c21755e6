// The device's MQTT topics, all below <prefix>/<id>/ (prefix "devices" unless configured). The id is checked
// once here: it must be usable both as one topic level (no "/", "+", "#", MQTT 5.0 section 4.7) and inside a
// SenML name (RFC 8428 section 4.5.1), so a bad id fails at start-up rather than on the first publish. The
// prefix must be a topic name of its own (no wildcards, no empty level at either end); the broker's ACL has to
// allow it (certs/acl grants devices/<CN>/#).
import { validateTopicName } from "../mqtt/codec/topics.js";
import { ConfigError } from "./config.js";

export interface DeviceTopics {
  telemetry: string;
  status: string;
  alerts: string;
  config: string;
  configRejected: string;
}

const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export const DEFAULT_TOPIC_PREFIX = "devices";

/** The certificate renewal's topics (firmware/identity/renewal.ts): the device asks on `request` (a PKCS#10
 *  request, DER) and the renewal service answers on `issued` (the certificate, DER) or `rejected` (JSON). */
export interface CertificateTopics {
  request: string;
  issued: string;
  rejected: string;
}

/** Below the device's own topics (`<prefix>/<id>/cert/...`), which the broker's ACL confines it to. */
export function certificateTopics(topics: DeviceTopics): CertificateTopics {
  const base = topics.config.slice(0, topics.config.length - "config".length) + "cert/";
  return { request: base + "request", issued: base + "issued", rejected: base + "rejected" };
}

export function deviceTopics(deviceId: string, prefix: string = DEFAULT_TOPIC_PREFIX): DeviceTopics {
  if (!DEVICE_ID.test(deviceId)) {
    throw new ConfigError("out-of-range", `device id ${JSON.stringify(deviceId)} must be 1-64 of A-Z a-z 0-9 . _ : - starting with a letter or digit`, "deviceId");
  }
  if (prefix === "" || prefix.startsWith("/") || prefix.endsWith("/")) {
    throw new ConfigError("out-of-range", `topic prefix ${JSON.stringify(prefix)} must be non-empty without a leading or trailing "/"`, "topicPrefix");
  }
  try {
    validateTopicName(prefix);
  } catch (error) {
    throw new ConfigError("out-of-range", `topic prefix ${JSON.stringify(prefix)}: ${(error as Error).message}`, "topicPrefix");
  }
  const base = `${prefix}/${deviceId}/`;
  return {
    telemetry: base + "telemetry",
    status: base + "status",
    alerts: base + "alerts",
    config: base + "config",
    configRejected: base + "config/rejected",
  };
}
