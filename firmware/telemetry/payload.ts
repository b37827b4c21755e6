// Telemetry batches as SenML packs: one record per reading, base name = the device, base time = the
// oldest reading (absolute, seconds since the epoch), t relative to it, both in whole seconds (the
// resolution of a reading's time, precision.ts), and the reading's outbox sequence number in "seq" (see
// senml.ts for why that label is safe to add). The unit of the most frequent kind goes once into bu (base
// unit); only the other records carry u.
//
// "seq" carries over like a base value: it is written on the first record and wherever a reading's number
// is not the previous record's + 1; a record without it has the previous record's seq + 1. A batch is
// mostly consecutive readings, so a pack usually says it once (7 bytes less per record in CBOR).
//
// Base name: `<deviceId>/`, so names read "wearable-42/hr". RFC 8428 recommends a globally unique bn such
// as an RFC 9039 URN (urn:dev:mac:..., urn:dev:ops:<OUI>-<product>-<serial>); a plain device id is not one
// of those forms, so we do not dress it up as a URN. A deployment with such an identifier passes it as
// `baseName` instead; the MQTT topic carries the device id either way.
//
// Units (RFC 8428 section 12.1): body temperature "Cel"; heart rate "beat/min" — registered, though
// marked as not recommended for new producers in favour of "1/s" — because clinicians and NEWS2 read
// beats per minute and 1.2 1/s would invite unit mistakes downstream.

import type { ReadingKind } from "../common/vital-signs.js";
import { wholeSecondMs } from "./precision.js";
import { ABSOLUTE_TIME, SENML_CBOR, SENML_JSON, SenmlError, senmlCbor, senmlJsonBytes, type SenmlRecord } from "./senml.js";

export type PayloadFormat = "json" | "cbor";

/** A reading with its wall-clock time known and its outbox sequence number. */
export interface StampedReading {
  seq: number;
  kind: ReadingKind;
  value: number;
  /** Milliseconds since the epoch. */
  time: number;
}

export const SENML_NAMES: Record<ReadingKind, { n: string; u: string }> = {
  hr: { n: "hr", u: "beat/min" },
  temp: { n: "temp", u: "Cel" },
};

export function deviceBaseName(deviceId: string): string {
  return `${deviceId}/`;
}

/** The SenML records for a batch (oldest reading's time as base time). */
export function telemetryPack(baseName: string, readings: StampedReading[]): SenmlRecord[] {
  if (readings.length === 0) throw new SenmlError("empty-pack", "a telemetry batch needs at least one reading");
  let baseMs = Infinity;
  for (const r of readings) baseMs = Math.min(baseMs, wholeSecondMs(r.time));
  if (!(baseMs / 1000 >= ABSOLUTE_TIME)) {
    throw new SenmlError("invalid-value", `reading time ${baseMs} ms is not an absolute time: the clock must be set first`);
  }
  let hr = 0;
  for (const r of readings) if (r.kind === "hr") hr++;
  const baseUnit = SENML_NAMES[hr * 2 >= readings.length ? "hr" : "temp"].u;
  const pack: SenmlRecord[] = [];
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i];
    const names = SENML_NAMES[r.kind];
    const record: SenmlRecord = i === 0 ? { bn: baseName, bt: baseMs / 1000, bu: baseUnit } : {};
    record.n = names.n;
    if (names.u !== baseUnit) record.u = names.u;
    record.v = r.value;
    const t = (wholeSecondMs(r.time) - baseMs) / 1000;
    if (t !== 0) record.t = t;
    if (i === 0 || r.seq !== readings[i - 1].seq + 1) record.seq = r.seq;
    pack.push(record);
  }
  return pack;
}

export interface EncodedPayload {
  bytes: Uint8Array;
  /** For the MQTT 5 Content Type property (section 3.3.2.3.9). */
  contentType: string;
}

/** A reading whose wall time can never be known (its boot ended before SNTP ever answered, reading-time.ts):
 *  when it was taken within its boot. */
export interface UntimedReading {
  seq: number;
  kind: ReadingKind;
  value: number;
  /** The first sequence number of its boot. */
  boot: number;
  /** Milliseconds into that boot. */
  ticks: number;
}

/**
 * The SenML records for readings without a true time: no base time, and on every record the
 * must-understand label "boot_" (RFC 8428 section 4.4) with `t` the whole seconds into that boot. A plain
 * SenML consumer must refuse the pack rather than read the times as "now"; ours places the readings after
 * the boot's predecessors and before its successors, by their sequence numbers, and never on the clock.
 */
export function untimedPack(baseName: string, readings: UntimedReading[]): SenmlRecord[] {
  if (readings.length === 0) throw new SenmlError("empty-pack", "a telemetry batch needs at least one reading");
  const pack: SenmlRecord[] = [];
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i];
    const names = SENML_NAMES[r.kind];
    const record: SenmlRecord = i === 0 ? { bn: baseName } : {};
    record.n = names.n;
    record.u = names.u;
    record.v = r.value;
    record.t = wholeSecondMs(r.ticks) / 1000;
    record.boot_ = r.boot;
    if (i === 0 || r.seq !== readings[i - 1].seq + 1) record.seq = r.seq;
    pack.push(record);
  }
  return pack;
}

export function encodeTelemetry(baseName: string, readings: StampedReading[], format: PayloadFormat): EncodedPayload {
  return encodePack(telemetryPack(baseName, readings), format);
}

export function encodeUntimed(baseName: string, readings: UntimedReading[], format: PayloadFormat): EncodedPayload {
  return encodePack(untimedPack(baseName, readings), format);
}

function encodePack(pack: SenmlRecord[], format: PayloadFormat): EncodedPayload {
  return format === "cbor" ? { bytes: senmlCbor(pack), contentType: SENML_CBOR } : { bytes: senmlJsonBytes(pack), contentType: SENML_JSON };
}
