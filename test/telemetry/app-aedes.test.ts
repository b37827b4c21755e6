// The telemetry app end to end: real MQTT client over TLS (client certificate) to aedes, an independent
// MQTT.js subscriber as the backend, the outbox on files. Sampling runs on a manual clock so the test
// decides when readings are taken; the client runs on real time.
import type mqtt from "mqtt";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TelemetryApp } from "../../firmware/telemetry/app.js";
import type { SenmlRecord } from "../../firmware/telemetry/senml.js";
import { FileStorage } from "../../host-sim/platform/file-storage.js";
import { NodeClock } from "../../host-sim/platform/node-clock.js";
import { NodeSocket } from "../../host-sim/platform/node-socket.js";
import { VirtualClock } from "../../host-sim/xs/virtual-clock.js";
import { until as pollUntil } from "../client/harness.js";
import { startAedes, type AedesBroker } from "../../support/aedes.js";
import { connectIngest } from "../../support/ingest.js";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { decodeCbor } from "../../support/cbor-decode.js";
import { resolveSeqs } from "../../host-sim/senml-seq.js";

const EPOCH = Date.UTC(2026, 10, 22, 1, 0, 0);
const T = `devices/${DEVICE_ID}/`;

interface Message {
  topic: string;
  payload: Buffer;
  retain: boolean;
  qos: number;
}

let pki: TestPki;
let aedes: AedesBroker;
let dir: string;
const apps: TelemetryApp[] = [];
const peers: mqtt.MqttClient[] = [];

beforeAll(async () => {
  pki = await ensureDevPki();
  aedes = await startAedes(pki);
});
afterAll(async () => {
  await aedes.close();
});
afterEach(async () => {
  for (const a of apps.splice(0)) a.close();
  for (const p of peers.splice(0)) await p.endAsync(true);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const until = (check: () => boolean, what: string) => pollUntil(check, what, 20_000);

async function backend(): Promise<{ client: mqtt.MqttClient; got: Message[] }> {
  const client = await connectIngest(pki, aedes.port);
  peers.push(client);
  const got: Message[] = [];
  client.on("message", (topic, payload, packet) => got.push({ topic, payload, retain: packet.retain, qos: packet.qos }));
  await client.subscribeAsync(`${T}#`, { qos: 1 });
  return { client, got };
}

function device(clock: VirtualClock, storage: FileStorage, hr: { value: number }) {
  const errors: Error[] = [];
  const app = new TelemetryApp({
    deviceId: DEVICE_ID,
    clock,
    storage,
    sensors: { hr: () => hr.value },
    mqtt: {
      Socket: NodeSocket,
      clock: new NodeClock(),
      random: () => 0.5,
      brokers: [{ host: "localhost", port: aedes.port, address: "127.0.0.1" }],
      secure: pki.deviceTls(),
      backoff: { base: 50, cap: 200 },
      keepAlive: 30,
    },
    config: { batchMaxReadings: 3, batchMaxAgeMs: 60_000, hrIntervalMs: 1000 },
    onError: (e) => errors.push(e),
  });
  apps.push(app);
  return { app, errors };
}

// Live messages only: what earlier tests left retained arrives on subscribe with the retain flag set
// (MQTT 3.1.1 section 3.3.1.3), live forwards have it cleared.
const on = (got: Message[], topic: string) => got.filter((m) => m.topic === T + topic && !m.retain);
const json = (m: Message) => JSON.parse(m.payload.toString("utf8")) as unknown;

describe("telemetry app against aedes over TLS", () => {
  it("publishes status, batched SenML telemetry (QoS 1, acked out of the outbox), alerts, and handles config", async () => {
    dir = mkdtempSync(join(tmpdir(), "telemetry-aedes-"));
    const { got, client: peer } = await backend();
    const clock = new VirtualClock(EPOCH, 1000);
    const hr = { value: 72 };
    const { app, errors } = device(clock, new FileStorage(dir), hr);
    app.start();
    await until(() => on(got, "status").length >= 1, "online status");
    expect(json(on(got, "status")[0])).toMatchObject({ state: "online", drops: 0 });

    clock.advance(3000);
    await until(() => on(got, "telemetry").length === 1, "first batch");
    const batch = on(got, "telemetry")[0];
    expect(batch.qos).toBe(1);
    const records = json(batch) as SenmlRecord[];
    expect(resolveSeqs(records)).toEqual([1, 2, 3]);
    expect(records[0]).toMatchObject({ bn: `${DEVICE_ID}/`, bt: (EPOCH + 1000) / 1000, bu: "beat/min", n: "hr", v: 72 });
    await until(() => app.outbox.count === 0, "PUBACK empties the outbox");

    hr.value = 140;
    clock.advance(1000);
    await until(() => on(got, "alerts").length === 1, "alert");
    expect(json(on(got, "alerts")[0])).toMatchObject({ n: "hr", level: "high", v: 140, news2: 3, seq: 4 });
    expect(on(got, "telemetry")).toHaveLength(1); // the alert did not wait for the batch

    await peer.publishAsync(`${T}config`, '{"batchMaxReadings":0}', { qos: 1 });
    await until(() => on(got, "config/rejected").length === 1, "config rejected");
    expect(json(on(got, "config/rejected")[0])).toMatchObject({ code: "out-of-range", field: "batchMaxReadings" });
    expect(app.config.batchMaxReadings).toBe(3);

    await peer.publishAsync(`${T}config`, '{"batchMaxReadings":2,"format":"cbor"}', { qos: 1, retain: true });
    await until(() => app.config.format === "cbor", "config applied");
    clock.advance(1000); // seq 5: with seq 4 waiting, a batch of 2 is due
    await until(() => on(got, "telemetry").length === 2, "CBOR batch");
    const cbor = decodeCbor(new Uint8Array(on(got, "telemetry")[1].payload)).value as Map<unknown, unknown>[];
    expect(cbor.map((m, i) => [m.get(0), m.get(2), resolveSeqs(cbor)[i]])).toEqual([
      ["hr", 140, 4],
      ["hr", 140, 5],
    ]);
    expect(errors.filter((e) => (e as { code?: string }).code !== "out-of-range")).toEqual([]);
    await peer.publishAsync(`${T}config`, "", { qos: 1, retain: true }); // clear the retained config
  });

  it("the will marks the device offline when the link dies; it reconnects, says online, and sends what it stored meanwhile", async () => {
    dir = mkdtempSync(join(tmpdir(), "telemetry-aedes-"));
    const { got } = await backend();
    const clock = new VirtualClock(EPOCH, 1000);
    const { app } = device(clock, new FileStorage(dir), { value: 66 });
    app.start();
    await until(() => on(got, "status").length >= 1, "online status");
    // Cut only the device's connection (the backend subscriber stays), without a DISCONNECT.
    const link = await new Promise<{ conn: { destroy(): void } }>((resolve) => {
      const clients = (aedes.broker as unknown as { clients: Record<string, { conn: { destroy(): void } }> }).clients;
      if (clients[DEVICE_ID]) resolve(clients[DEVICE_ID]);
      else aedes.broker.once("clientReady", (c) => resolve(c as unknown as { conn: { destroy(): void } }));
    });
    link.conn.destroy();
    await until(() => on(got, "status").some((m) => (json(m) as { state: string }).state === "offline"), "will: offline");
    clock.advance(3000); // sampled while the link is down or coming back
    await until(() => on(got, "status").filter((m) => (json(m) as { state: string }).state === "online").length >= 2, "online again");
    await until(() => on(got, "telemetry").length === 1, "stored readings sent");
    expect(resolveSeqs(json(on(got, "telemetry")[0]) as SenmlRecord[])).toEqual([1, 2, 3]);
    await until(() => app.outbox.count === 0, "acknowledged");
  });

  it("replays unacknowledged readings after a reboot, in order, with their sequence numbers", async () => {
    dir = mkdtempSync(join(tmpdir(), "telemetry-aedes-"));
    const { got } = await backend();
    const clock = new VirtualClock(EPOCH, 1000);
    const first = device(clock, new FileStorage(dir), { value: 81 });
    // Never started: nothing connects, so the readings stay stored (the device lost power before sending).
    first.app.sample("hr");
    clock.advance(1000);
    first.app.sample("hr");
    first.app.close();
    const second = device(clock, new FileStorage(dir), { value: 82 });
    expect(second.app.outbox.count).toBe(2);
    second.app.start();
    await until(() => on(got, "telemetry").length === 1, "replayed batch");
    const records = json(on(got, "telemetry")[0]) as SenmlRecord[];
    expect(records.map((r, i) => [resolveSeqs(records)[i], r.v])).toEqual([
      [1, 81],
      [2, 81],
    ]);
    expect(records[0].bt).toBe(EPOCH / 1000);
    await until(() => second.app.outbox.count === 0, "acknowledged");
    expect(second.app.outbox.nextSeq).toBe(3);
  });

  it("a config message larger than the device accepts is skipped, acknowledged and answered on config/rejected with too-large and the limit", async () => {
    dir = mkdtempSync(join(tmpdir(), "telemetry-aedes-"));
    const { got, client: peer } = await backend();
    const clock = new VirtualClock(EPOCH, 1000);
    const { app, errors } = device(clock, new FileStorage(dir), { value: 70 });
    app.start();
    await until(() => on(got, "status").length >= 1, "online status");
    const huge = JSON.stringify({ hrIntervalMs: 2000, padding: "x".repeat(100 * 1024) }); // 100 KiB
    await peer.publishAsync(`${T}config`, huge, { qos: 1 });
    await until(() => on(got, "config/rejected").length === 1, "config rejected");
    const rejected = json(on(got, "config/rejected")[0]) as { code: string; limit: number; reason: string };
    expect(rejected).toMatchObject({ code: "too-large", limit: 4096 });
    expect(app.config.hrIntervalMs).toBe(1000); // unchanged
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(["message-too-large"]);
    // Still connected and working: a small config right after it applies.
    await peer.publishAsync(`${T}config`, '{"batchMaxReadings":5}', { qos: 1 });
    await until(() => app.config.batchMaxReadings === 5, "config applied");
  });
});
