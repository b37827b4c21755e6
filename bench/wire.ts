// `npm run bench -- wire [aedes]`: TLS socket bytes on the wire (both directions) per reading, heart-rate
// estimates every second and temperature every 10 s over 10 simulated minutes, three ways, side by side:
//   ours:  the telemetry app (firmware/telemetry/app.ts) with the real MQTT client, MQTT 5 (topic aliases),
//          SenML CBOR in batches released after at most 10 readings or 9.5 s, host TLS socket (device
//          profile). Heart rate pushed by its source, temperature polled, both at their resolution.
//   same:  MQTT.js, MQTT 5 with topic aliases, sending what ours sent - the same CONNECT, subscription,
//          status and SenML batches, byte for byte (bench/wire/same.ts): the ratio isolates client and transport.
//   naive: MQTT.js, MQTT 3.1.1, one JSON document per reading at QoS 1, values as the sensors give them
//          (bench/wire/peer.ts): the straw man, kept as a row.
// All connect with the same client certificate to the same broker through a counting relay (a subscriber
// checks that every reading arrived), alternate (ROUNDS each), and the means are reported. Headline: the
// whole run per reading, the TLS handshake included, because that is what the link carries; then where
// each byte of a reading goes, from the clients' plaintext (bench/wire/tap.ts) and the relay's TLS records. The
// broker is mosquitto (MQTT 5); `aedes` runs the comparison against the in-process aedes, MQTT 3.1.1 only.
import type { AppConfig } from "../firmware/telemetry/config.js";
import { deviceBaseName, encodeTelemetry, type StampedReading } from "../firmware/telemetry/payload.js";
import { atResolution } from "../firmware/telemetry/precision.js";
import { encodeUtf8 } from "../firmware/mqtt/common/utf8.js";
import { DEVICE_CIPHER_SUITES } from "../host-sim/tls-profile.js";
import { startAedes } from "../support/aedes.js";
import { DEVICE_ID, ensureDevPki } from "../support/certs.js";
import { startMosquitto } from "../support/mosquitto.js";
import { startBackend, type Backend } from "./wire/backend.js";
import { naiveDocument, runPeer } from "./wire/peer.js";
import { runOurs } from "./wire/ours.js";
import { handshakeBytes } from "./wire/relay.js";
import { sum, type RunResult, type WireReading } from "./wire/run-result.js";
import { runSame } from "./wire/same.js";
import { mqttTotal } from "./wire/tap.js";

const ROUNDS = 2;
const DURATION_MS = 10 * 60_000;
const TIMER_LATENESS_MS = 10;
const TARGET = { ratio: 0.15, ratioSameBatches: 1.0, maxLatencyS: 10 };
const CONFIG: Partial<AppConfig> = {
  // An estimate every second (the estimator's step set to 1 s), the workload of the earlier figures; at the
  // default 2 s step the handshake and each batch's framing are shared by half as many readings.
  hrIntervalMs: 1_000,
  tempIntervalMs: 10_000,
  format: "cbor",
  // At 1 Hz ten readings are collected in about 9 s; when fewer come, the age limit caps the wait at 9.5 s,
  // leaving room for late timers and the round trip within the 10 s budget.
  batchMaxReadings: 10,
  batchMaxAgeMs: 9_500,
};

const useAedes = process.argv.includes("aedes");
const pki = await ensureDevPki();
const broker = useAedes
  ? await startAedes(pki)
  : await startMosquitto({ tls: pki.brokerTls }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n(the wire bench needs mosquitto for MQTT 5; \`npm run bench -- wire aedes\` runs it on aedes with MQTT 3.1.1)`);
    });
const target = { host: "127.0.0.1", port: broker.port };
const protocolVersion = useAedes ? 4 : 5;

const ours: RunResult[] = [];
const same: RunResult[] = [];
const naive: RunResult[] = [];
let readings: WireReading[] = [];
let simulatedMs = 0;
const deviceTls = { ca: pki.ca.certPem, cert: pki.device.certPem, key: pki.device.keyPem };
let backend: Backend | undefined;
try {
  backend = await startBackend(pki, target.port, DEVICE_ID);
  for (let round = 0; round < ROUNDS; round++) {
    const run = await runOurs({
      broker: target,
      secure: pki.deviceTls(DEVICE_ID),
      deviceId: DEVICE_ID,
      protocolVersion,
      config: CONFIG,
      durationMs: DURATION_MS,
      wallOrigin: Math.floor(Date.now() / 1000) * 1000,
      timerLatenessMs: TIMER_LATENESS_MS,
    });
    await backend.take(run.readings);
    ours.push(run);
    readings = run.sampled;
    simulatedMs = run.simulatedMs;
    const copy = await runSame({ broker: target, tls: deviceTls, deviceId: DEVICE_ID, session: run.session, readings: run.readings });
    await backend.take(copy.readings);
    same.push(copy);
    const peer = await runPeer({ broker: target, tls: deviceTls, deviceId: DEVICE_ID, readings });
    await backend.take(peer.readings);
    naive.push(peer);
  }
} finally {
  await backend?.close();
  await broker.close();
}

// ---- report ----------------------------------------------------------------------------------------

const mean = (runs: RunResult[], f: (r: RunResult) => number): number => runs.reduce((a, r) => a + f(r), 0) / runs.length;
const perReading = (r: RunResult) => sum(r.total) / r.readings;
const steady = (r: RunResult) => (sum(r.total) - sum(r.setup) - sum(r.teardown)) / r.readings;
const handshake = (r: RunResult) => handshakeBytes(r.records);
const suiteName = (id?: number) => DEVICE_CIPHER_SUITES.find((s) => s.id === id)?.name ?? `0x${(id ?? 0).toString(16)}`;
const tlsName = (r: RunResult) => `${r.tlsVersion === 0x0303 ? "TLS 1.2" : `0x${(r.tlsVersion ?? 0).toString(16)}`} ${suiteName(r.cipherSuite)}`;
const all = [ours, same, naive];

const counts = readings.reduce((c, r) => ((c[r.kind] += 1), c), { hr: 0, temp: 0 });
console.log(
  `Bytes on the wire: ${readings.length} readings (${counts.hr} heart-rate estimates at ${1000 / CONFIG.hrIntervalMs!} Hz, ${counts.temp} temperatures at ${1000 / CONFIG.tempIntervalMs!} Hz) over ${DURATION_MS / 60_000} simulated minutes, mean of ${ROUNDS} alternating rounds`,
);
console.log(`simulated time from connect to the last PUBACK: ${(simulatedMs / 1000).toFixed(1)} s (timers drift: each fires up to ${TIMER_LATENESS_MS} ms late)`);
console.log(`broker: ${useAedes ? "aedes 1 (MQTT 3.1.1 only) over node:tls" : "mosquitto 2.0"}, the same RSA client certificate (CN wearable-001) for all; TCP payload counted by a relay in front of it`);
console.log(`TLS negotiated: ours ${tlsName(ours[0])}, same ${tlsName(same[0])}, naive ${tlsName(naive[0])}; no session resumption; all offer the device's suites and P-256 only`);
console.log(
  `ours:  TelemetryApp, MQTT ${protocolVersion === 5 ? "5 (topic alias, Content Type)" : "3.1.1"}, SenML CBOR, batch <= ${CONFIG.batchMaxReadings} readings / ${CONFIG.batchMaxAgeMs! / 1000} s (simulated time)`,
);
console.log(`same:  MQTT.js 5, MQTT ${protocolVersion === 5 ? "5 (autoAssignTopicAlias)" : "3.1.1"}, ours' CONNECT, subscription and publishes byte for byte, each after the previous PUBACK`);
console.log(`naive: MQTT.js 5, MQTT 3.1.1 (its default), one JSON document per reading, QoS 1, each after the previous PUBACK`);
console.log("");

const pad = (s: string | number, n: number) => String(s).padStart(n);
const row = (label: string, f: (runs: RunResult[]) => string | number) => console.log(`${label.padEnd(48)}${all.map((runs) => pad(f(runs), 12)).join("")}`);
const whole = (f: (r: RunResult) => number) => (runs: RunResult[]) => mean(runs, f).toFixed(0);
const tenth = (f: (r: RunResult) => number) => (runs: RunResult[]) => mean(runs, f).toFixed(1);
console.log(`${"".padEnd(48)}${["ours", "same", "naive"].map((h) => pad(h, 12)).join("")}`);
row("bytes, whole run (up + down)", whole((r) => sum(r.total)));
row("  up (device -> broker)", whole((r) => r.total.up));
row("  down (broker -> device)", whole((r) => r.total.down));
row("  connect: TLS handshake + CONNECT/CONNACK", whole((r) => sum(r.setup)));
row("  close: DISCONNECT + close_notify", whole((r) => sum(r.teardown)));
row("PUBLISH packets", whole((r) => r.publishes));
row("readings acknowledged (and at the subscriber)", whole((r) => r.readings));
row("bytes/reading, whole run (headline)", tenth(perReading));
row("bytes/reading, steady state (no connect/close)", tenth(steady));
row("max latency sample -> PUBACK, ms", (runs) => Math.max(...runs.map((r) => r.maxLatencyMs)).toFixed(0));
row("wall time per run, ms", whole((r) => r.wallMs));
console.log("");
console.log("where the bytes of a reading go (whole run / readings; MQTT from the clients' plaintext, TLS from the relay's records):");
const share = (f: (r: RunResult) => number) => tenth((r) => f(r) / r.readings);
row("  payload (SenML pack or JSON document)", share((r) => r.mqtt.payload));
row("  MQTT PUBLISH header (topic/alias, id, properties)", share((r) => r.mqtt.publishHeader));
row("  acks (PUBACK)", share((r) => r.mqtt.acks));
row("  keepalive (PINGREQ/PINGRESP)", share((r) => r.mqtt.keepalive));
row("  session (CONNECT, SUBSCRIBE, status, DISCONNECT)", share((r) => r.mqtt.session));
row("  TLS records (header, nonce, tag; close_notify)", share((r) => sum(r.total) - handshake(r) - mqttTotal(r.mqtt)));
row("  TLS handshake, amortised", share(handshake));
row("  = total", share((r) => sum(r.total)));
console.log("");
for (let i = 0; i < ROUNDS; i++) {
  console.log(`round ${i + 1}: ours ${perReading(ours[i]).toFixed(1)}, same ${perReading(same[i]).toFixed(1)}, naive ${perReading(naive[i]).toFixed(1)} B/reading`);
}

const oursPer = mean(ours, perReading);
const ratio = oursPer / mean(naive, perReading);
const ratioSameBatches = oursPer / mean(same, perReading);
const maxLatencyS = Math.max(...ours.map((r) => r.maxLatencyMs)) / 1000;
const met = ratio <= TARGET.ratio && ratioSameBatches <= TARGET.ratioSameBatches && maxLatencyS <= TARGET.maxLatencyS;
console.log(
  `ours/naive ${ratio.toFixed(3)} (target <= ${TARGET.ratio}), ours/same ${ratioSameBatches.toFixed(3)} (target <= ${TARGET.ratioSameBatches}), max latency ${maxLatencyS.toFixed(1)} s (target <= ${TARGET.maxLatencyS}): ${met ? "met" : "NOT met"}`,
);

// The payload alone per reading, for the same readings at the app's resolution: formats and batch sizes.
console.log("");
console.log("payload bytes per reading (same readings, no MQTT/TLS; a batch of 60 waits about a minute at 1 Hz):");
const stamped: StampedReading[] = readings.map((r, i) => ({ seq: i + 1, kind: r.kind, value: atResolution(r.kind, r.value), time: r.time }));
const payloadPer = (format: "json" | "cbor", batch: number) => {
  let bytes = 0;
  for (let i = 0; i < stamped.length; i += batch) bytes += encodeTelemetry(deviceBaseName(DEVICE_ID), stamped.slice(i, i + batch), format).bytes.length;
  return bytes / stamped.length;
};
const naivePer = readings.reduce((a, r, i) => a + encodeUtf8(naiveDocument(DEVICE_ID, r, i + 1)).length, 0) / readings.length;
console.log(`  naive JSON, one per reading${pad(naivePer.toFixed(1), 16)}`);
for (const batch of [1, 10, 60]) {
  console.log(`  SenML JSON, batch ${String(batch).padEnd(3)}${pad(payloadPer("json", batch).toFixed(1), 21)}   SenML CBOR, batch ${String(batch).padEnd(3)}${pad(payloadPer("cbor", batch).toFixed(1), 8)}`);
}

console.log(
  JSON.stringify({
    bench: "wire",
    unit: "bytes/reading",
    ours: Number(oursPer.toFixed(1)),
    naive: Number(mean(naive, perReading).toFixed(1)),
    sameBatches: Number(mean(same, perReading).toFixed(1)),
    ratio: Number(ratio.toFixed(3)),
    ratioSameBatches: Number(ratioSameBatches.toFixed(3)),
    maxLatencyS: Number(maxLatencyS.toFixed(2)),
    readings: readings.length,
    steadyOurs: Number(mean(ours, steady).toFixed(1)),
    steadyNaive: Number(mean(naive, steady).toFixed(1)),
    broker: useAedes ? "aedes" : "mosquitto",
  }),
);
