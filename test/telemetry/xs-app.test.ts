// The telemetry app inside the XS engine against mosquitto with the project's hardened config (mutual
// TLS, identity from the certificate, per-device ACL): telemetry batches, alerts, status and will, config
// refusal, reboot replay from the outbox. (The app's heap in XS is budgeted by bench/xs.)
import mqtt, { type MqttClient as MqttJsClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SenmlRecord } from "../../firmware/telemetry/senml.js";
import { NodeClock } from "../../host-sim/platform/node-clock.js";
import { NodeSocket } from "../../host-sim/platform/node-socket.js";
import { XsFirmware } from "../../host-sim/xs/firmware.js";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { startMosquitto, type Mosquitto } from "../../support/mosquitto.js";
import type { AppSettings, AppStatus } from "./xs-app-entry.js";
import { MemoryStorage } from "../../support/memory-storage.js";
import { resolveSeqs } from "../../host-sim/senml-seq.js";

const entry = "test/telemetry/xs-app-entry.ts";
const T = `devices/${DEVICE_ID}/`;

let pki: TestPki;
let broker: Mosquitto;
let ingest: MqttJsClient;
const got: { topic: string; payload: Buffer; retain: boolean }[] = [];
const open: XsFirmware[] = [];

beforeAll(async () => {
  pki = await ensureDevPki();
  broker = await startMosquitto({ tls: pki.brokerTls });
  ingest = await mqtt.connectAsync({
    host: broker.host,
    port: broker.port,
    protocol: "mqtts",
    ...pki.ingestTls,
    reconnectPeriod: 0,
  });
  ingest.on("message", (topic, payload, packet) => got.push({ topic, payload, retain: packet.retain }));
  await ingest.subscribeAsync(`${T}#`, { qos: 1 });
}, 120_000);
afterEach(async () => {
  for (const xs of open.splice(0)) {
    await xs.call("close").catch(() => {});
    await xs.close();
  }
});
afterAll(async () => {
  await ingest?.endAsync(true);
  await broker?.close();
});

const live = (topic: string) => got.filter((m) => m.topic === T + topic && !m.retain);
const json = <V>(m: { payload: Buffer }) => JSON.parse(m.payload.toString("utf8")) as V;
/** A telemetry pack with every record's seq resolved (it carries over, host-sim/senml-seq.ts). */
const senml = (m: { payload: Buffer }) => {
  const records = json<SenmlRecord[]>(m);
  const seqs = resolveSeqs(records);
  return records.map((r, i) => ({ ...r, seq: seqs[i] }));
};

function settings(): AppSettings {
  return {
    deviceId: DEVICE_ID,
    mqtt: {
      brokers: [{ host: "localhost", address: broker.host, port: broker.port }],
      secure: pki.deviceTls(DEVICE_ID),
      keepAlive: 30,
      backoff: { base: 20, cap: 200 },
    },
    // Samples come from the test; the timers are set an hour out.
    config: { hrIntervalMs: 3_600_000, tempIntervalMs: 3_600_000, batchMaxReadings: 4, batchMaxAgeMs: 3_600_000 },
  };
}

async function boot(storage: MemoryStorage): Promise<XsFirmware> {
  const xs = await XsFirmware.start({ entry, ports: { Socket: NodeSocket, clock: new NodeClock(), storage } });
  open.push(xs);
  await xs.call("start", settings());
  return xs;
}

describe("telemetry app in XS against mosquitto (mutual TLS, ACL)", () => {
  it("publishes status, batches, alerts; refuses bad config; replays after a reboot", async () => {
    const storage = new MemoryStorage();
    const xs = await boot(storage);
    await xs.call("untilConnects", 1);
    await expect.poll(() => live("status").length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect(json(live("status")[0])).toMatchObject({ state: "online", drops: 0 });

    await xs.call("setVitals", 72, 36.6);
    await xs.call("sample", "hr", 3);
    await xs.call("sample", "temp", 1);
    await expect.poll(() => live("telemetry").length, { timeout: 15_000 }).toBe(1);
    const records = senml(live("telemetry")[0]);
    expect(records.map((r) => [r.seq, r.n, r.v])).toEqual([
      [1, "hr", 72],
      [2, "hr", 72],
      [3, "hr", 72],
      [4, "temp", 36.6],
    ]);
    expect(records[0]).toMatchObject({ bn: `${DEVICE_ID}/`, bu: "beat/min" });
    expect(records[0].bt).toBeGreaterThan(2 ** 28);
    await expect.poll(async () => (await xs.call<AppStatus>("status")).counters.pending, { timeout: 15_000 }).toBe(0);

    await xs.call("setVitals", 38, 36.6);
    await xs.call("sample", "hr", 1);
    await expect.poll(() => live("alerts").length, { timeout: 15_000 }).toBe(1);
    expect(json(live("alerts")[0])).toMatchObject({ n: "hr", level: "low", v: 38, news2: 3, seq: 5 });

    await ingest.publishAsync(`${T}config`, '{"thresholds":{"tempLow":44,"tempHigh":40}}', { qos: 1 });
    await expect.poll(() => live("config/rejected").length, { timeout: 15_000 }).toBe(1);
    expect(json(live("config/rejected")[0])).toMatchObject({ code: "inconsistent", field: "thresholds.tempLow" });

    await xs.call("sample", "hr", 1);

    // Power off with readings 5 and 6 unsent (their batch is not full); a fresh engine replays them.
    await xs.call("close");
    await xs.close();
    open.splice(open.indexOf(xs), 1);
    const again = await boot(storage);
    await again.call("untilConnects", 1);
    // What was stored before the reboot goes at once on connect, without waiting for a full batch.
    await expect.poll(() => live("telemetry").length, { timeout: 15_000 }).toBe(2);
    expect(senml(live("telemetry")[1]).map((r) => [r.seq, r.v])).toEqual([
      [5, 38],
      [6, 38],
    ]);
    await again.call("setVitals", 70, 36.7);
    await again.call("sample", "hr", 4);
    await expect.poll(() => live("telemetry").length, { timeout: 15_000 }).toBe(3);
    expect(senml(live("telemetry")[2]).map((r) => r.seq)).toEqual([7, 8, 9, 10]);
    await expect.poll(async () => (await again.call<AppStatus>("status")).counters.pending, { timeout: 15_000 }).toBe(0);
    const status = await again.call<AppStatus>("status");
    expect(status.nextSeq).toBe(11);
    expect(status.errors.filter((e) => !e.startsWith("inconsistent"))).toEqual([]);
  });
});
