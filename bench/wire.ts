// `npm run bench -- wire [aedes]`: TLS socket bytes on the wire (both directions) per reading, heart rate
// at 1 Hz and temperature at 0.1 Hz over 10 simulated minutes.
//   ours: the telemetry app (firmware/telemetry/app.ts) with the real MQTT client, MQTT 5 (topic aliases),
//         SenML CBOR in batches released after at most 10 readings or 9.5 s, host TLS socket (device profile).
//   peer: MQTT.js, MQTT 3.1.1, one JSON document per reading at QoS 1.
// Both connect with the same client certificate to the same broker through a counting relay (a subscriber
// checks that every reading arrived), run
// alternately (ROUNDS each), and the means are reported. Headline: the whole run per reading, including the
// TLS handshake, because that is what the link carries; steady state (handshake and close excluded) is
// shown too. The broker is mosquitto (MQTT 5, so the app's topic aliases are in play); `aedes` runs the
// same comparison against the in-process aedes, which speaks MQTT 3.1.1 only (no aliases, no properties).
import { encodeUtf8 } from "../firmware/common/utf8.js";
import type { AppConfig } from "../firmware/telemetry/config.js";
import { deviceBaseName, encodeTelemetry, type StampedReading } from "../firmware/telemetry/payload.js";
import { DEVICE_CIPHER_SUITES } from "../host-sim/tls-profile.js";
import { startAedes } from "../support/aedes.js";
import { DEVICE_ID, ensureDevPki } from "../support/certs.js";
import { startMosquitto } from "../support/mosquitto.js";
import { startBackend, type Backend } from "./wire-backend.js";
import { naiveDocument, runPeer } from "./wire-peer.js";
import { runOurs } from "./wire-ours.js";
import { sum, type RunResult, type WireReading } from "./wire-run.js";

const ROUNDS = 2;
const DURATION_MS = 10 * 60_000;
const TIMER_LATENESS_MS = 10;
const TARGET_RATIO = 0.25;
const CONFIG: Partial<AppConfig> = {
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
const peers: RunResult[] = [];
let readings: WireReading[] = [];
let simulatedMs = 0;
const deviceTls = { ca: pki.ca.certPem, cert: pki.device.certPem, key: pki.device.keyPem };
let backend: Backend | undefined;
try {
  backend = await startBackend(target, { ca: pki.ca.certPem, cert: pki.ingest.certPem, key: pki.ingest.keyPem }, DEVICE_ID);
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
    const peer = await runPeer({ broker: target, tls: deviceTls, deviceId: DEVICE_ID, readings });
    await backend.take(peer.readings);
    peers.push(peer);
  }
} finally {
  await backend?.close();
  await broker.close();
}

// ---- report ----------------------------------------------------------------------------------------

const mean = (runs: RunResult[], f: (r: RunResult) => number): number => runs.reduce((a, r) => a + f(r), 0) / runs.length;
const perReading = (r: RunResult) => sum(r.total) / r.readings;
const steady = (r: RunResult) => (sum(r.total) - sum(r.setup) - sum(r.teardown)) / r.readings;
const handshake = (r: RunResult) => r.records.handshake + r.records.changeCipherSpec;
const suiteName = (id?: number) => DEVICE_CIPHER_SUITES.find((s) => s.id === id)?.name ?? `0x${(id ?? 0).toString(16)}`;
const tlsName = (r: RunResult) => `${r.tlsVersion === 0x0303 ? "TLS 1.2" : `0x${(r.tlsVersion ?? 0).toString(16)}`} ${suiteName(r.cipherSuite)}`;

const counts = readings.reduce((c, r) => ((c[r.kind] += 1), c), { hr: 0, temp: 0 });
console.log(
  `Bytes on the wire: ${readings.length} readings (${counts.hr} heart rate at 1 Hz, ${counts.temp} temperature at 0.1 Hz) over ${DURATION_MS / 60_000} simulated minutes, mean of ${ROUNDS} alternating rounds`,
);
console.log(`simulated time from connect to the last PUBACK: ${(simulatedMs / 1000).toFixed(1)} s (timers drift: each fires up to ${TIMER_LATENESS_MS} ms late)`);
console.log(`broker: ${useAedes ? "aedes 1 (MQTT 3.1.1 only) over node:tls" : "mosquitto 2.0"}, the same RSA client certificate (CN wearable-001) for both; TCP payload counted by a relay in front of it`);
console.log(`TLS negotiated: ours ${tlsName(ours[0])}, peer ${tlsName(peers[0])}; no session resumption; both offer the device's suites and P-256 only`);
console.log(
  `ours: TelemetryApp, MQTT ${protocolVersion === 5 ? "5 (topic alias, Content Type)" : "3.1.1"}, SenML CBOR, batch <= ${CONFIG.batchMaxReadings} readings / ${CONFIG.batchMaxAgeMs! / 1000} s (simulated time)`,
);
console.log(`peer: MQTT.js 5, MQTT 3.1.1 (its default), one JSON document per reading, QoS 1, each after the previous PUBACK (real time)`);
console.log("");

const pad = (s: string | number, n: number) => String(s).padStart(n);
const row = (label: string, a: string | number, b: string | number) => console.log(`${label.padEnd(44)}${pad(a, 14)}${pad(b, 14)}`);
const kb = (n: number) => n.toFixed(0);
row("", "ours", "peer");
row("bytes, whole run (up + down)", kb(mean(ours, (r) => sum(r.total))), kb(mean(peers, (r) => sum(r.total))));
row("  up (device -> broker)", kb(mean(ours, (r) => r.total.up)), kb(mean(peers, (r) => r.total.up)));
row("  down (broker -> device)", kb(mean(ours, (r) => r.total.down)), kb(mean(peers, (r) => r.total.down)));
row("  connect: TLS handshake + CONNECT/CONNACK", kb(mean(ours, (r) => sum(r.setup))), kb(mean(peers, (r) => sum(r.setup))));
row("  of which TLS handshake records", kb(mean(ours, handshake)), kb(mean(peers, handshake)));
row("  close: DISCONNECT + close_notify", kb(mean(ours, (r) => sum(r.teardown))), kb(mean(peers, (r) => sum(r.teardown))));
row("  TLS application data records", kb(mean(ours, (r) => r.records.applicationData)), kb(mean(peers, (r) => r.records.applicationData)));
row("PUBLISH packets", mean(ours, (r) => r.publishes), mean(peers, (r) => r.publishes));
row("readings acknowledged (and at the subscriber)", mean(ours, (r) => r.readings), mean(peers, (r) => r.readings));
row("bytes/reading, whole run (headline)", mean(ours, perReading).toFixed(1), mean(peers, perReading).toFixed(1));
row("bytes/reading, steady state (no connect/close)", mean(ours, steady).toFixed(1), mean(peers, steady).toFixed(1));
row("max latency sample -> PUBACK, ms", Math.max(...ours.map((r) => r.maxLatencyMs)).toFixed(0), Math.max(...peers.map((r) => r.maxLatencyMs)).toFixed(1));
row("mean latency sample -> PUBACK, ms", mean(ours, (r) => r.meanLatencyMs).toFixed(0), mean(peers, (r) => r.meanLatencyMs).toFixed(1));
row("wall time per run, ms", mean(ours, (r) => r.wallMs).toFixed(0), mean(peers, (r) => r.wallMs).toFixed(0));
console.log("");
for (let i = 0; i < ROUNDS; i++) {
  console.log(`round ${i + 1}: ours ${perReading(ours[i]).toFixed(1)} B/reading, peer ${perReading(peers[i]).toFixed(1)} B/reading`);
}

const oursPer = mean(ours, perReading);
const peerPer = mean(peers, perReading);
const ratio = oursPer / peerPer;
const steadyRatio = mean(ours, steady) / mean(peers, steady);
const maxLatencyMs = Math.max(...ours.map((r) => r.maxLatencyMs));
const pass = ratio <= TARGET_RATIO && maxLatencyMs <= 10_000;
console.log(
  `ratio ours/peer: ${ratio.toFixed(3)} whole run, ${steadyRatio.toFixed(3)} steady state; target ratio <= ${TARGET_RATIO} with <= 10 s added latency: ${pass ? "met" : "NOT met"}`,
);

// Where the bytes go: payload alone per reading, same readings, the app's encoders (no MQTT, no TLS).
console.log("");
console.log("payload bytes per reading (same readings, no MQTT/TLS; a batch of 60 waits about a minute at 1 Hz):");
const stamped: StampedReading[] = readings.map((r, i) => ({ seq: i + 1, kind: r.kind, value: r.value, time: r.time }));
const payloadPer = (format: "json" | "cbor", batch: number, list = stamped) => {
  let bytes = 0;
  for (let i = 0; i < list.length; i += batch) bytes += encodeTelemetry(deviceBaseName(DEVICE_ID), list.slice(i, i + batch), format).bytes.length;
  return bytes / list.length;
};
const naivePer = stamped.reduce((a, r, i) => a + encodeUtf8(naiveDocument(DEVICE_ID, readings[i], r.seq)).length, 0) / stamped.length;
console.log(`  naive JSON, one per reading${pad(naivePer.toFixed(1), 16)}`);
for (const batch of [1, 10, 60]) {
  console.log(`  SenML JSON, batch ${String(batch).padEnd(3)}${pad(payloadPer("json", batch).toFixed(1), 21)}   SenML CBOR, batch ${String(batch).padEnd(3)}${pad(payloadPer("cbor", batch).toFixed(1), 8)}`);
}
// Late timers put milliseconds into every time stamp; CBOR then needs a float64 per relative time.
const wholeSeconds = stamped.map((r) => ({ ...r, time: Math.round(r.time / 1000) * 1000 }));
console.log(`  SenML CBOR, batch 10, times rounded to whole seconds${pad(payloadPer("cbor", 10, wholeSeconds).toFixed(1), 8)}`);

console.log(
  JSON.stringify({
    bench: "wire",
    ours: Number(oursPer.toFixed(1)),
    peer: Number(peerPer.toFixed(1)),
    unit: "bytes/reading",
    ratio: Number(ratio.toFixed(3)),
    maxLatencyMs: Math.round(maxLatencyMs),
    readings: readings.length,
    steadyOurs: Number(mean(ours, steady).toFixed(1)),
    steadyPeer: Number(mean(peers, steady).toFixed(1)),
    steadyRatio: Number(steadyRatio.toFixed(3)),
    broker: useAedes ? "aedes" : "mosquitto",
  }),
);
