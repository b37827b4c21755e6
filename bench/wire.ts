// Bytes on the wire per reading: our SenML payloads (JSON and CBOR) at several batch sizes, against the
// common naive design of one JSON message per reading with a device id, type name and ISO timestamp.
// Sizes are exact (the real encoders), so there is no timing noise; each row counts what one reading costs
// on the link: its share of the PUBLISH (fixed header, topic, packet id, payload), of the PUBACK coming
// back, and of the TLS 1.2 AES-GCM record around each (5-byte header + 8-byte explicit nonce + 16-byte tag).
// Headline: ours = CBOR in batches of 12 (the default batch size), peer = the naive design; ratio = peer / ours.
import { encode } from "../firmware/mqtt/encode.js";
import type { ProtocolVersion } from "../firmware/mqtt/packets.js";
import { DEFAULT_CONFIG } from "../firmware/telemetry/config.js";
import { deviceBaseName, encodeTelemetry, type PayloadFormat, type StampedReading } from "../firmware/telemetry/payload.js";
import { encodeUtf8 } from "../firmware/mqtt/utf8.js";

const DEVICE = "wearable-001";
const TOPIC = `devices/${DEVICE}/telemetry`;
const TLS_RECORD = 5 + 8 + 16;
const START = Date.UTC(2026, 10, 22, 8, 0, 0, 0);

// A morning of readings on the default intervals (heart rate every 5 s, temperature every 30 s), with
// values as the drivers produce them: heart rate to 0.1 bpm, temperature in TMP117 steps of 1/128 C.
function readings(count: number): StampedReading[] {
  const out: StampedReading[] = [];
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let t = 0, seq = 1; out.length < count; t += 1000) {
    if (t % DEFAULT_CONFIG.hrIntervalMs === 0) out.push({ seq: seq++, kind: "hr", value: Math.round((68 + 10 * random()) * 10) / 10, time: START + t + Math.floor(random() * 40) });
    if (t % DEFAULT_CONFIG.tempIntervalMs === 0 && out.length < count) {
      out.push({ seq: seq++, kind: "temp", value: Math.round((36.4 + 0.5 * random()) * 128) / 128, time: START + t + Math.floor(random() * 40) });
    }
  }
  return out;
}

/** PUBLISH (QoS 1) + PUBACK bytes, each in its own TLS record. */
function onWire(payload: Uint8Array, version: ProtocolVersion): number {
  const publish = encode({ type: "publish", topic: TOPIC, payload, qos: 1, retain: false, dup: false, packetId: 1 }, version).length;
  const puback = encode({ type: "puback", packetId: 1 }, version).length;
  return publish + puback + 2 * TLS_RECORD;
}

function ours(all: StampedReading[], format: PayloadFormat, batch: number) {
  let payload = 0;
  let wire = 0;
  for (let i = 0; i < all.length; i += batch) {
    const bytes = encodeTelemetry(deviceBaseName(DEVICE), all.slice(i, i + batch), format).bytes;
    payload += bytes.length;
    wire += onWire(bytes, 4);
  }
  return { payload: payload / all.length, wire: wire / all.length };
}

function naive(all: StampedReading[]) {
  let payload = 0;
  let wire = 0;
  for (const r of all) {
    const doc = {
      deviceId: DEVICE,
      type: r.kind === "hr" ? "heart_rate" : "body_temperature",
      value: r.value,
      unit: r.kind === "hr" ? "bpm" : "celsius",
      timestamp: new Date(r.time).toISOString(),
      seq: r.seq,
    };
    const bytes = encodeUtf8(JSON.stringify(doc));
    payload += bytes.length;
    wire += onWire(bytes, 4);
  }
  return { payload: payload / all.length, wire: wire / all.length };
}

const all = readings(1200);
const rows: [string, number, { payload: number; wire: number }][] = [["naive JSON, one message per reading", 1, naive(all)]];
for (const batch of [1, 4, 12, 50, 100]) {
  rows.push([`SenML JSON`, batch, ours(all, "json", batch)]);
  rows.push([`SenML CBOR`, batch, ours(all, "cbor", batch)]);
}

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`${all.length} readings (heart rate every 5 s, temperature every 30 s), MQTT 3.1.1 QoS 1, TLS 1.2 AES-GCM records`);
console.log(`${pad("payload", 38)}${pad("batch", 7)}${pad("payload B/reading", 19)}wire B/reading`);
for (const [name, batch, r] of rows) console.log(`${pad(name, 38)}${pad(String(batch), 7)}${pad(r.payload.toFixed(1), 19)}${r.wire.toFixed(1)}`);

const headline = ours(all, "cbor", DEFAULT_CONFIG.batchMaxReadings).wire;
const peer = naive(all).wire;
const json = ours(all, "json", DEFAULT_CONFIG.batchMaxReadings).wire;
console.log(
  JSON.stringify({
    bench: "wire",
    ours: Number(headline.toFixed(1)),
    peer: Number(peer.toFixed(1)),
    unit: "bytes/reading",
    ratio: Number((peer / headline).toFixed(2)),
    oursJson: Number(json.toFixed(1)),
    batch: DEFAULT_CONFIG.batchMaxReadings,
  }),
);
