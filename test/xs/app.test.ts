// The telemetry app end to end inside the XS engine: sensor drivers on the chip models (I2C forwarded to
// Node), the heart-rate estimator, the outbox on host storage, SenML batches published QoS 1 by the MQTT
// client over mutual TLS to aedes, read back by an independent MQTT.js backend. Sampling runs on virtual
// time (the test moves it), the network on real time.
import mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SenmlRecord } from "../../firmware/telemetry/senml.js";
import { NodeSocket } from "../../host-sim/platform/node-socket.js";
import { VirtualI2CBus } from "../../host-sim/chips/bus.js";
import { Max30102Model } from "../../host-sim/chips/max30102-model.js";
import { Max30205Model } from "../../host-sim/chips/max30205-model.js";
import { SyntheticPpg } from "../../host-sim/chips/ppg-synthetic.js";
import type { AppSettings, AppStatus } from "../../host-sim/xs/entries/app.js";
import { XsFirmware } from "../../host-sim/xs/firmware.js";
import { VirtualClock } from "../../host-sim/xs/virtual-clock.js";
import { startAedes, type AedesBroker } from "../../support/aedes.js";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { MemoryStorage } from "../../support/memory-storage.js";

const EPOCH = Date.UTC(2026, 10, 22, 1, 0, 0);
const T = `devices/${DEVICE_ID}/`;

let pki: TestPki;
let aedes: AedesBroker;
let backend: mqtt.MqttClient;
const got: { topic: string; payload: Buffer; retain: boolean; qos: number }[] = [];
let xs: XsFirmware | undefined;

beforeAll(async () => {
  pki = await ensureDevPki();
  aedes = await startAedes(pki);
  backend = await mqtt.connectAsync(`mqtts://127.0.0.1:${aedes.port}`, {
    ...pki.ingestTls,
    reconnectPeriod: 0,
  });
  backend.on("message", (topic, payload, packet) => got.push({ topic, payload, retain: packet.retain, qos: packet.qos }));
  await backend.subscribeAsync(`${T}#`, { qos: 1 });
});

afterEach(async () => {
  if (xs) {
    await xs.call("close").catch(() => {});
    await xs.close();
  }
  xs = undefined;
});

afterAll(async () => {
  await backend?.endAsync(true);
  await aedes?.close();
});

const live = (topic: string) => got.filter((m) => m.topic === T + topic && !m.retain);

describe("telemetry app in XS", () => {
  it("publishes heart rate from the PPG chain and skin temperature as SenML over TLS, acked out of the outbox", async () => {
    const bus = new VirtualI2CBus();
    bus.attach(new Max30102Model({ source: new SyntheticPpg({ seed: 11, heartRate: () => 72, variability: 0.02, noise: 0.002 }) }));
    bus.attach(new Max30205Model({ temperature: 36.6 }));
    const clock = new VirtualClock(EPOCH);
    const storage = new MemoryStorage();
    xs = await XsFirmware.start({ entry: "host-sim/xs/entries/app.ts", ports: { I2C: bus.io, clock, storage, Socket: NodeSocket } });
    const settings: AppSettings = {
      deviceId: DEVICE_ID,
      mqtt: {
        brokers: [{ host: "localhost", address: "127.0.0.1", port: aedes.port }],
        secure: pki.deviceTls(DEVICE_ID),
        keepAlive: 60,
        backoff: { base: 50, cap: 200 },
      },
      config: { hrIntervalMs: 1000, tempIntervalMs: 5000, batchMaxReadings: 4, batchMaxAgeMs: 60_000 },
    };
    await xs.call("start", settings);
    await xs.call("until", "connects", 1);

    await expect.poll(() => live("status").length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(JSON.parse(live("status")[0].payload.toString())).toMatchObject({ state: "online" });

    // 20 s of virtual time in 100 ms steps: the FIFO fills on the chip model, XS drains it.
    for (let ms = 0; ms < 20_000; ms += 100) {
      bus.advance(100);
      clock.advance(100);
      await xs.idle();
    }
    const status = await xs.call<AppStatus>("status");
    expect(status.errors).toEqual([]);
    expect(status.bpm).not.toBeNull();
    expect(Math.abs(status.bpm! - 72)).toBeLessThan(3);

    await expect.poll(() => live("telemetry").length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    const records = live("telemetry").flatMap((m) => JSON.parse(m.payload.toString()) as SenmlRecord[]);
    expect(live("telemetry").every((m) => m.qos === 1)).toBe(true);
    const hr = records.filter((r) => r.n === "hr").map((r) => r.v as number);
    const temp = records.filter((r) => r.n === "temp" || r.n === "temperature").map((r) => r.v as number);
    expect(hr.length).toBeGreaterThan(3);
    for (const v of hr) expect(Math.abs(v - 72)).toBeLessThan(4);
    expect(temp.length).toBeGreaterThan(0);
    for (const v of temp) expect(v).toBeCloseTo(36.6, 1);
    expect(records[0].bn).toBe(`${DEVICE_ID}/`);
    // Everything sent was acknowledged and removed from the outbox: nothing left but the unsent tail.
    await expect.poll(async () => (await xs!.call<AppStatus>("status")).counters.pending, { timeout: 15_000 }).toBeLessThan(4);
  });
});
