// Zero loss: 10,000 QoS 1 publishes through a proxy that cuts the link 20 times, while mosquitto (with
// persistence) is restarted 3 times. An independent subscriber (MQTT.js, persistent session) must receive
// every message at least once; duplicates are allowed by QoS 1 and reported.
import mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { startMosquitto, type Mosquitto } from "../../support/mosquitto.js";
import { FaultProxy } from "../support/proxy.js";
import { makeClient, until, type Harness } from "./harness.js";

const TOTAL = 10_000;
const CUTS = 20;
const RESTARTS = 3;
const TOPIC = `devices/${DEVICE_ID}/zero-loss`;

let pki: TestPki;
let broker: Mosquitto;
let proxy: FaultProxy;
let subscriber: mqtt.MqttClient | undefined;
let device: Harness | undefined;

beforeAll(async () => {
  pki = await ensureDevPki();
  // Keep everything the subscriber has not taken yet, however long it is away.
  broker = await startMosquitto({ tls: pki.brokerTls, persistence: true, extraConfig: ["max_queued_messages 0"] });
  proxy = await FaultProxy.start({ host: "127.0.0.1", port: broker.port });
}, 60_000);
afterEach(async () => {
  device?.client.close();
  device = undefined;
  await subscriber?.endAsync(true);
  subscriber = undefined;
});
afterAll(async () => {
  await proxy?.close();
  await broker?.close();
});

describe.each([4, 5] as const)("zero loss, MQTT protocol level %i", (protocolVersion) => {
  it(`${TOTAL} QoS 1 publishes survive ${CUTS} link cuts and ${RESTARTS} broker restarts: every message arrives at least once`, async () => {
    const received = new Map<number, number>();
    subscriber = await mqtt.connectAsync(`mqtts://127.0.0.1:${broker.port}`, {
      ...pki.ingestTls,
      clientId: `zero-loss-ingest-v${protocolVersion}`,
      clean: false,
      reconnectPeriod: 100,
      connectTimeout: 5_000,
    });
    subscriber.on("error", () => undefined);
    subscriber.on("message", (_topic, payload) => {
      const seq = Number(payload.subarray(0, 8).toString());
      received.set(seq, (received.get(seq) ?? 0) + 1);
    });
    await subscriber.subscribeAsync(`${TOPIC}/v${protocolVersion}`, { qos: 1 });

    let completed = 0;
    const failures: Error[] = [];
    let next = 0;
    device = makeClient({
      brokers: [{ host: "localhost", address: "127.0.0.1", port: proxy.port }],
      secure: pki.deviceTls(),
      clientId: DEVICE_ID,
      protocolVersion,
      cleanStart: false,
      sessionExpiryInterval: protocolVersion === 5 ? 3600 : undefined,
      keepAlive: 5,
      pingTimeout: 3_000,
      connectTimeout: 5_000,
      backoff: { base: 20, cap: 500 },
      random: Math.random,
      inflight: 20,
    });
    const client = device.client;
    const onDone = (error?: Error): void => {
      if (error) failures.push(error);
      completed++;
      feed();
    };
    const padding = "-".repeat(56);
    // Keep the bounded queue full: publish until it answers 'queue full', resume on completions.
    const feed = (): void => {
      while (next < TOTAL && client.tryPublish(`${TOPIC}/v${protocolVersion}`, `${String(next).padStart(8, "0")}${padding}`, { qos: 1 }, onDone)) next++;
    };
    client.connect();
    feed();

    // Faults at fixed progress points, interleaved: 20 cuts, 3 restarts.
    const events: { at: number; kind: "cut" | "restart" }[] = [];
    for (let k = 0; k < CUTS; k++) events.push({ at: 200 + k * 480, kind: "cut" });
    for (let k = 1; k <= RESTARTS; k++) events.push({ at: k * 2_500 + 340, kind: "restart" }); // between cuts
    events.sort((a, b) => a.at - b.at);
    const cutsBefore = proxy.cuts;
    let cuts = 0;
    let restarts = 0;
    for (const event of events) {
      await until(() => completed >= event.at, `progress ${event.at}`, 60_000);
      if (event.kind === "cut") {
        proxy.cutAfter("up", 1 + Math.floor(Math.random() * 2000)); // mid-record, mid-packet
        await until(() => proxy.cuts > cutsBefore + cuts, "cut happened", 30_000);
        cuts++;
      } else {
        await broker.restart();
        restarts++;
      }
    }
    await until(() => completed === TOTAL, "all publishes completed", 60_000);
    expect(failures).toEqual([]);
    await until(() => received.size === TOTAL, `subscriber received all (${received.size}/${TOTAL})`, 60_000);
    let duplicates = 0;
    for (const count of received.values()) duplicates += count - 1;
    console.log(
      `zero-loss v${protocolVersion}: ${TOTAL} published, ${received.size} distinct received, ${duplicates} duplicates, ` +
        `${cuts} cuts, ${restarts} restarts, ${device!.seen.connects.length} connections`,
    );
    expect(cuts).toBe(CUTS);
    expect(restarts).toBe(RESTARTS);
    for (let i = 0; i < TOTAL; i++) expect(received.has(i)).toBe(true);
  }, 170_000);
});
