// The app's configuration: sampling intervals, batching, alarm thresholds and payload format, with
// defaults and validation. Remote updates arrive as JSON on devices/<id>/config and are applied as a
// partial document over the current configuration: only the fields given change. Anything invalid
// refuses the whole update (the current configuration stays) with a ConfigError naming the field, which
// the app publishes on devices/<id>/config/rejected.
import { ConfigError } from "../common/config-error.js";
import { READING_KINDS, type ReadingKind } from "../common/vital-signs.js";

import { decodeUtf8 } from "../mqtt/common/utf8.js";
import { NEWS2_THRESHOLDS, type AlarmThresholds } from "./news2.js";
import type { PayloadFormat } from "./payload.js";
import { PLAUSIBLE } from "./sensor-faults.js";

export interface AppConfig {
  /** Heart-rate sampling interval, milliseconds. */
  hrIntervalMs: number;
  /** Body-temperature sampling interval, milliseconds. */
  tempIntervalMs: number;
  /** Publish a batch once this many readings are waiting... */
  batchMaxReadings: number;
  /** ...or once the oldest waiting reading is this old (0: publish every reading at once). */
  batchMaxAgeMs: number;
  format: PayloadFormat;
  thresholds: AlarmThresholds;
  /** Uploads every this many milliseconds, the network taken down in between (upload-schedule.ts); 0: always
   *  connected. */
  uploadPeriodMs: number;
  /** Kinds whose every reading goes at once, waking the uplink (an alarm always does). */
  urgent: readonly ReadingKind[];
}

export const DEFAULT_CONFIG: AppConfig = {
  hrIntervalMs: 5_000,
  tempIntervalMs: 30_000,
  batchMaxReadings: 12,
  batchMaxAgeMs: 60_000,
  format: "json",
  thresholds: { ...NEWS2_THRESHOLDS },
  // The app alone stays connected; the wearable's build sets its own period (manifest.json, docs/device.md).
  uploadPeriodMs: 0,
  urgent: Object.freeze([]),
};

/** The shortest upload period: shorter ones cost more than staying connected (docs/device.md, the energy
 *  bench). */
export const MIN_UPLOAD_PERIOD_MS = 60_000;

/** Limits of each numeric field. Batches are bounded so a batch always fits a small MQTT packet. */
export const CONFIG_LIMITS = {
  hrIntervalMs: { min: 1_000, max: 3_600_000, integer: true },
  tempIntervalMs: { min: 1_000, max: 3_600_000, integer: true },
  batchMaxReadings: { min: 1, max: 100, integer: true },
  batchMaxAgeMs: { min: 0, max: 3_600_000, integer: true },
  uploadPeriodMs: { min: 0, max: 3_600_000, integer: true },
  "thresholds.hrLow": { ...PLAUSIBLE.hr, integer: false },
  "thresholds.hrHigh": { ...PLAUSIBLE.hr, integer: false },
  "thresholds.tempLow": { ...PLAUSIBLE.temp, integer: false },
  "thresholds.tempHigh": { ...PLAUSIBLE.temp, integer: false },
} as const;

export { ConfigError, type ConfigErrorCode } from "../common/config-error.js";

/** The largest MQTT packet the device accepts (the app's client maximumPacketSize): a config message, its
 *  topic and header included, must fit. A larger one is skipped and answered with "too-large". */
export const MAX_INCOMING_PACKET_BYTES = 4096;

export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; error: ConfigError };

const FORMATS: PayloadFormat[] = ["json", "cbor"];
const TOP_FIELDS = ["hrIntervalMs", "tempIntervalMs", "batchMaxReadings", "batchMaxAgeMs", "format", "thresholds", "uploadPeriodMs", "urgent"];
const THRESHOLD_FIELDS = ["hrLow", "hrHigh", "tempLow", "tempHigh"];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkNumber(field: keyof typeof CONFIG_LIMITS, value: unknown): number {
  const limit = CONFIG_LIMITS[field];
  if (typeof value !== "number" || !Number.isFinite(value)) throw new ConfigError("wrong-type", `${field} must be a number`, field);
  if (limit.integer && !Number.isInteger(value)) throw new ConfigError("wrong-type", `${field} must be an integer`, field);
  if (value < limit.min || value > limit.max) {
    throw new ConfigError("out-of-range", `${field} must be within ${limit.min}..${limit.max}, got ${value}`, field);
  }
  return value;
}

/** A list of reading kinds, each once. */
function checkKinds(value: unknown): ReadingKind[] {
  if (!Array.isArray(value)) throw new ConfigError("wrong-type", `urgent must be a list of ${READING_KINDS.join(", ")}`, "urgent");
  const kinds: ReadingKind[] = [];
  for (const kind of value) {
    if (typeof kind !== "string") throw new ConfigError("wrong-type", `urgent must be a list of ${READING_KINDS.join(", ")}`, "urgent");
    if (!READING_KINDS.includes(kind as ReadingKind)) throw new ConfigError("out-of-range", `urgent: ${kind} is not one of ${READING_KINDS.join(", ")}`, "urgent");
    if (kinds.includes(kind as ReadingKind)) throw new ConfigError("inconsistent", `urgent names ${kind} twice`, "urgent");
    kinds.push(kind as ReadingKind);
  }
  return kinds;
}

function checkConsistent(c: AppConfig): void {
  const t = c.thresholds;
  if (!(t.hrLow < t.hrHigh)) throw new ConfigError("inconsistent", "thresholds.hrLow must be below thresholds.hrHigh", "thresholds.hrLow");
  if (!(t.tempLow < t.tempHigh)) {
    throw new ConfigError("inconsistent", "thresholds.tempLow must be below thresholds.tempHigh", "thresholds.tempLow");
  }
}

/** `update` (a parsed JSON value) applied over `current`, or the first reason it is refused. */
export function applyConfigUpdate(current: AppConfig, update: unknown): ConfigResult {
  try {
    if (!isObject(update)) throw new ConfigError("not-an-object", "a configuration update must be a JSON object");
    // `urgent` is never changed in place (a new list replaces it), so it is shared, as RAM on the device.
    const next: AppConfig = { ...current, thresholds: { ...current.thresholds } };
    for (const key of Object.keys(update)) {
      if (!TOP_FIELDS.includes(key)) throw new ConfigError("unknown-field", `unknown configuration field ${key}`, key);
    }
    for (const key of ["hrIntervalMs", "tempIntervalMs", "batchMaxReadings", "batchMaxAgeMs", "uploadPeriodMs"] as const) {
      if (Object.hasOwn(update, key)) next[key] = checkNumber(key, update[key]);
    }
    if (next.uploadPeriodMs !== 0 && next.uploadPeriodMs < MIN_UPLOAD_PERIOD_MS) {
      throw new ConfigError("out-of-range", `uploadPeriodMs must be 0 (always connected) or at least ${MIN_UPLOAD_PERIOD_MS}, got ${next.uploadPeriodMs}`, "uploadPeriodMs");
    }
    if (Object.hasOwn(update, "urgent")) next.urgent = checkKinds(update.urgent);
    if (Object.hasOwn(update, "format")) {
      const format = update.format;
      if (typeof format !== "string") throw new ConfigError("wrong-type", `format must be one of ${FORMATS.join(", ")}`, "format");
      if (!FORMATS.includes(format as PayloadFormat)) {
        throw new ConfigError("out-of-range", `format must be one of ${FORMATS.join(", ")}, got ${format}`, "format");
      }
      next.format = format as PayloadFormat;
    }
    if (Object.hasOwn(update, "thresholds")) {
      const t = update.thresholds;
      if (!isObject(t)) throw new ConfigError("wrong-type", "thresholds must be an object", "thresholds");
      for (const key of Object.keys(t)) {
        if (!THRESHOLD_FIELDS.includes(key)) throw new ConfigError("unknown-field", `unknown threshold ${key}`, `thresholds.${key}`);
      }
      for (const key of ["hrLow", "hrHigh", "tempLow", "tempHigh"] as const) {
        if (Object.hasOwn(t, key)) next.thresholds[key] = checkNumber(`thresholds.${key}`, t[key]);
      }
    }
    checkConsistent(next);
    return { ok: true, config: next };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, error };
    throw error;
  }
}

/** A full configuration checked as an update over the defaults (for a locally supplied configuration). */
export function validateConfig(candidate: unknown): ConfigResult {
  return applyConfigUpdate(DEFAULT_CONFIG, candidate);
}

/** The payload of a devices/<id>/config message (strict UTF-8, then JSON) applied over `current`. */
export function parseConfigUpdate(current: AppConfig, bytes: Uint8Array): ConfigResult {
  let text: string;
  try {
    text = decodeUtf8(bytes, 0, bytes.length);
  } catch (error) {
    return { ok: false, error: new ConfigError("invalid-utf8", `configuration is not valid UTF-8: ${(error as Error).message}`) };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: new ConfigError("invalid-json", `configuration is not valid JSON: ${(error as Error).message}`) };
  }
  return applyConfigUpdate(current, value);
}

/** The configuration as a JSON document (what the device stores, and traces). Built from copies: `urgent` may be
 *  the default list, frozen and preloaded (in flash on the device), and XS's JSON.stringify marks each object
 *  it visits, which a read-only one refuses ("read only value (in stringify)"). */
export function configDocument(config: AppConfig): string {
  return JSON.stringify({ ...config, thresholds: { ...config.thresholds }, urgent: [...config.urgent] });
}

/** The JSON document published on devices/<id>/config/rejected. */
export function rejectionDocument(error: ConfigError, limit?: number): string {
  const doc: Record<string, string | number> = { code: error.code, reason: error.message };
  if (error.field !== undefined) doc.field = error.field;
  if (limit !== undefined) doc.limit = limit;
  return JSON.stringify(doc);
}
