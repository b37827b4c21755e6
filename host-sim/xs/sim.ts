// `npm run sim:xs [-- --seconds N]`: the telemetry app and its sensor chain running inside the XS engine
// (the device's JavaScript engine) against the embedded broker of `npm start` (aedes over mutual TLS with
// the deployment's ACL; dev PKI in certs/out), in real time. The chip models (MAX30102 with a synthetic
// 60 -> 120 bpm pulse, MAX30205 at 36.6 C) run in Node on the forwarded I2C bus; an MQTT.js "backend" with
// the ingest identity prints what arrives. Ctrl-C stops.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { DEFAULT_DEVICE_ID as DEVICE_ID } from "../../certs/dev-pki.js";
import { resolveCredentials } from "../cli/credentials.js";
import { DEFAULT_CERTS_DIR } from "../cli/options.js";
import { startEmbeddedBroker } from "../embedded-broker.js";
import { createBoard } from "../chips/board.js";
import { SyntheticPpg } from "../chips/ppg-synthetic.js";
import { FileStorage } from "../platform/file-storage.js";
import { NodeClock } from "../platform/node-clock.js";
import { NodeSocket } from "../platform/node-socket.js";
import type { AppSettings, AppStatus } from "./entries/app.js";
import { XsFirmware } from "./firmware.js";
import type { DerBytes, TlsOptions } from "../../firmware/platform/ports.js";

const secondsArg = process.argv.indexOf("--seconds");
const seconds = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 60;
const log = (text: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${text}`);

const dir = mkdtempSync(join(tmpdir(), "sim-xs-outbox-"));
// The device's credentials store is provisioned in the run's own directory (the dev PKI signs).
const credentials = await resolveCredentials({ certsDir: DEFAULT_CERTS_DIR, deviceIds: [DEVICE_ID], dataDir: dir, embedded: true });
const pki = credentials.devPki!;
const broker = await startEmbeddedBroker({ ...credentials.broker!, port: 0 });
log(`embedded broker (aedes, TLS, client certificates required, ACL) on ${broker.host}:${broker.port}`);

const backend = await mqtt.connectAsync(`mqtts://${broker.host}:${broker.port}`, {
  ca: credentials.broker!.ca,
  cert: readFileSync(pki.ingest.certPem),
  key: readFileSync(pki.ingest.keyPem),
  servername: "localhost",
  reconnectPeriod: 0,
});
const published: { topic: string }[] = [];
backend.on("message", (topic, payload) => published.push({ topic }) && log(`backend <- ${topic}  ${payload.toString("utf8").slice(0, 160)}`));
await backend.subscribeAsync(`devices/${DEVICE_ID}/#`, { qos: 1 });

const { bus } = createBoard({
  light: new SyntheticPpg({ seed: 1, heartRate: (t) => 60 + Math.min(60, t), variability: 0.02, noise: 0.002 }),
  thermometer: "max30205",
  skinTemperature: 36.6,
});
let last = performance.now();
const busClock = setInterval(() => {
  const now = performance.now();
  bus.advance(now - last); // the chip models sample on real time, like the parts on a board
  last = now;
}, 20);

const xs = await XsFirmware.start({
  entry: "host-sim/xs/entries/app.ts",
  name: "sim-xs",
  ports: { Socket: NodeSocket, clock: new NodeClock(), storage: new FileStorage(dir), I2C: bus.io },
  onPrint: (line) => log(`xs: ${line}`),
});
const settings: AppSettings = {
  deviceId: DEVICE_ID,
  mqtt: {
    brokers: [{ host: "localhost", address: broker.host, port: broker.port }],
    secure: ownBuffers(credentials.identity(DEVICE_ID).tls),
    keepAlive: 30,
  },
  config: { hrIntervalMs: 2000, tempIntervalMs: 10_000, batchMaxReadings: 5 },
};
/** The store's views, as ArrayBuffers of their own: what crosses the bridge into XS. */
function ownBuffers(tls: TlsOptions): TlsOptions {
  const own = (b: DerBytes): ArrayBuffer => (b instanceof Uint8Array ? (b.slice().buffer as ArrayBuffer) : b);
  const cas = tls.certificate === undefined ? [] : Array.isArray(tls.certificate) ? tls.certificate : [tls.certificate];
  return { certificate: cas.map(own), clientCertificates: (tls.clientCertificates ?? []).map(own), ...(tls.clientKey ? { clientKey: own(tls.clientKey) } : {}) };
}

const empty = await xs.heap();
await xs.call("start", settings);
log(`app started in XS (${DEVICE_ID}); running ${seconds} s`);

const report = setInterval(async () => {
  const s = await xs.call<AppStatus>("status").catch(() => undefined);
  if (s) {
    const bpm = s.bpm === null ? "settling" : `${s.bpm.toFixed(1)} bpm`;
    log(`xs status: ${s.connected ? "connected" : "offline"}, hr ${bpm}, outbox ${s.counters.pending}, errors ${s.errors.length}, XS compute ${xs.meters.compute.toLocaleString("en-US")}`);
  }
}, 5000);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(report);
  clearInterval(busClock);
  const heap = await xs.heap().catch(() => undefined);
  await xs.call("close").catch(() => {});
  const telemetry = published.filter((p) => p.topic.endsWith("/telemetry")).length;
  await xs.close();
  await backend.endAsync(true);
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
  log(`the backend received ${telemetry} telemetry batches; XS compute in all ${xs.meters.compute.toLocaleString("en-US")}`);
  if (heap) log(`live heap of the running firmware: ${heap.deviceBytes - empty.deviceBytes} bytes (ESP32 estimate, ${heap.slots - empty.slots} slots)`);
  if (xs.error) {
    log(`XS failed: ${xs.error.message}`);
    process.exitCode = 1;
  }
}
process.once("SIGINT", () => void stop());
setTimeout(() => void stop(), seconds * 1000);
