// The build's configuration (`mc/config`: the manifest's "config" section, each key overridable on the
// mcconfig command line, where values arrive as strings) turned into checked device settings. Pure, so the
// host tests cover it. Sampling and batching keys become the app's start-up configuration, which the app
// validates against its own limits (telemetry/config.ts). The device id is not here: it is the CN of the
// certificate in the device's credentials store (firmware/identity/), not part of the build.
import { ConfigError } from "../common/config-error.js";
import type { Broker } from "../mqtt/client/options.js";
import type { ProtocolVersion } from "../mqtt/codec/packets.js";
import type { WiFiNetwork } from "../network/network.js";
import type { AppConfig } from "../telemetry/config.js";
import { DEFAULT_RENEWAL_MARGIN_DAYS } from "../identity/renewal.js";

export interface DeviceSettings {
  /** Topic prefix before the device id (the app defaults to "devices"). */
  topicPrefix?: string;
  broker: Broker;
  /** TLS server name when it differs from the broker host (e.g. connecting by IP to a named certificate). */
  serverName?: string;
  protocolVersion: ProtocolVersion;
  /** Seconds. */
  keepAlive: number;
  /** For brokers that authenticate by username/password over TLS (e.g. HiveMQ Cloud); never traced. */
  username?: string;
  password?: string;
  /** Wi-Fi networks, tried in turn: `ssid`/`password` (the SDK's keys), then `ssid2`/`password2`, `ssid3`/`password3`. */
  networks: WiFiNetwork[];
  /** SNTP servers ("host" or "host:port"), tried in turn: `sntp`, comma-separated. */
  sntp: string[];
  /** Start-up configuration for the TelemetryApp. */
  app: Partial<AppConfig>;
  /** Renew the device certificate over MQTT when it has fewer days than this left (firmware/identity/renewal.ts). */
  renewalMarginDays: number;
}

/** Names of the mc/config keys (manifest.json "config"). */
export const CONFIG_KEYS = {
  topicPrefix: "topicPrefix",
  host: "mqttHost",
  port: "mqttPort",
  serverName: "mqttServerName",
  protocolVersion: "mqttVersion",
  keepAlive: "mqttKeepAlive",
  username: "mqttUsername",
  password: "mqttPassword",
  sntp: "sntp",
  ssid: "ssid",
  wifiPassword: "password",
  hrIntervalMs: "hrIntervalMs",
  tempIntervalMs: "tempIntervalMs",
  batchMaxReadings: "batchMaxReadings",
  batchMaxAgeMs: "batchMaxAgeMs",
  uploadPeriodMs: "uploadPeriodMs",
  urgent: "urgent",
  format: "payloadFormat",
  renewalMarginDays: "certRenewDays",
} as const;

export function deviceSettings(config: Record<string, unknown>): DeviceSettings {
  const k = CONFIG_KEYS;
  const settings: DeviceSettings = {
    broker: { host: text(config, k.host), port: integer(config, k.port, 1, 65535) },
    protocolVersion: integer(config, k.protocolVersion, 4, 5, 4) as ProtocolVersion,
    keepAlive: integer(config, k.keepAlive, 0, 65535, 60),
    networks: [],
    sntp: [],
    app: {},
    renewalMarginDays: integer(config, k.renewalMarginDays, 1, 365, DEFAULT_RENEWAL_MARGIN_DAYS),
  };
  const serverName = optionalText(config, k.serverName);
  if (serverName !== undefined) settings.serverName = serverName;
  const username = optionalText(config, k.username);
  if (username !== undefined) settings.username = username;
  const password = optionalText(config, k.password);
  if (password !== undefined) settings.password = password;
  const topicPrefix = optionalText(config, k.topicPrefix);
  if (topicPrefix !== undefined) settings.topicPrefix = topicPrefix;
  const sntp = optionalText(config, k.sntp);
  if (sntp !== undefined) settings.sntp = list(sntp);
  for (const suffix of ["", "2", "3"]) {
    const ssid = optionalText(config, k.ssid + suffix);
    const password = optionalText(config, k.wifiPassword + suffix);
    if (ssid !== undefined) settings.networks.push(password === undefined ? { ssid } : { ssid, password });
    else if (password !== undefined) throw new ConfigError("inconsistent", `${k.wifiPassword + suffix} without ${k.ssid + suffix}`, k.ssid + suffix);
  }
  for (const key of ["hrIntervalMs", "tempIntervalMs", "batchMaxReadings", "batchMaxAgeMs", "uploadPeriodMs"] as const) {
    if (config[k[key]] !== undefined) settings.app[key] = number(config, k[key]);
  }
  // Reading kinds, comma-separated ("hr,temp"); the app checks them (telemetry/config.ts).
  const urgent = optionalText(config, k.urgent);
  if (urgent !== undefined) settings.app.urgent = list(urgent) as AppConfig["urgent"];
  const format = optionalText(config, k.format);
  if (format !== undefined) {
    if (format !== "json" && format !== "cbor") throw new ConfigError("out-of-range", `${k.format} must be "json" or "cbor"`, k.format);
    settings.app.format = format;
  }
  return settings;
}

function optionalText(config: Record<string, unknown>, key: string): string | undefined {
  const value = config[key];
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw new ConfigError("wrong-type", `${key} must be a string`, key);
  return value;
}

/** The non-empty items of a comma-separated value, trimmed. */
function list(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function text(config: Record<string, unknown>, key: string): string {
  const value = optionalText(config, key);
  if (value === undefined) throw new ConfigError("out-of-range", `${key} is required (manifest config or mcconfig ${key}=...)`, key);
  return value;
}

/** A number given as a number (manifest) or as a decimal string (command line). */
function number(config: Record<string, unknown>, key: string): number {
  const value = config[key];
  const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw new ConfigError("wrong-type", `${key} must be a number, not ${JSON.stringify(value)}`, key);
  return n;
}

function integer(config: Record<string, unknown>, key: string, min: number, max: number, fallback?: number): number {
  if (config[key] === undefined && fallback !== undefined) return fallback;
  const n = number(config, key);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError("out-of-range", `${key} must be an integer in ${min}..${max}`, key);
  return n;
}
