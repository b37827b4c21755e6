// The client against mosquitto 2.0 (the Debian package) over TLS with client certificates, MQTT 3.1.1 and
// 5.0, using the project's hardened broker config (identity from the certificate, per-device ACL).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ClientError } from "../../firmware/mqtt/client/client-errors.js";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { startMosquitto, type Mosquitto } from "../../support/mosquitto.js";
import { FaultProxy } from "../support/proxy.js";
import { IngestPeers, TestClients, publishAsync, subscribeAsync, text, until } from "./harness.js";

let pki: TestPki;
let broker: Mosquitto;
const peers = new IngestPeers(() => ({ pki, port: broker.port }));
const TOPIC = `devices/${DEVICE_ID}`;

beforeAll(async () => {
  pki = await ensureDevPki();
  broker = await startMosquitto({ tls: pki.brokerTls, persistence: true });
}, 60_000);
afterAll(async () => {
  await broker?.close();
});
afterEach(async () => {
  devices.closeAll();
  await peers.endAll();
});

const devices = new TestClients(() => ({
  brokers: [{ host: "localhost", port: broker.port, address: "127.0.0.1" }],
  secure: pki.deviceTls(),
  clientId: DEVICE_ID,
}));

for (const protocolVersion of [4, 5] as const) {
  const v = protocolVersion === 4 ? "3.1.1" : "5";
  describe(`mosquitto over TLS, MQTT ${v}`, () => {
    it(`v${v}: publishes QoS 0, 1 and 2 that a subscriber receives once each`, async () => {
      const sub = await peers.connect({ protocolVersion });
      const got: [string, number][] = [];
      sub.on("message", (_t, payload, packet) => got.push([payload.toString(), packet.qos]));
      await sub.subscribeAsync(`${TOPIC}/#`, { qos: 2 });
      const h = devices.start({ protocolVersion });
      await until(() => h.seen.connects.length === 1, "connected");
      for (const qos of [0, 1, 2] as const) expect(await publishAsync(h.client, `${TOPIC}/hr`, `q${qos}`, { qos })).toBeUndefined();
      await until(() => got.length === 3, "delivered");
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toEqual([
        ["q0", 0],
        ["q1", 1],
        ["q2", 2],
      ]);
    });

    it(`v${v}: receives commands on its config topic (QoS 2 exactly once) and sees ACL refusals in SUBACK`, async () => {
      const h = devices.start({ protocolVersion });
      let codes: number[] = [];
      h.client.subscribe(
        [
          { topicFilter: `${TOPIC}/config`, qos: 2 },
          { topicFilter: "devices/wearable-002/config", qos: 1 },
        ],
        undefined,
        (_e, c) => (codes = c),
      );
      await until(() => codes.length === 2, "suback");
      expect(codes[0]).toBe(2);
      // mosquitto grants the subscription but the ACL filters delivery (3.1.1), or refuses it (5.0).
      const pub = await peers.connect({ protocolVersion });
      await pub.publishAsync(`${TOPIC}/config`, "cfg-2", { qos: 2 });
      await pub.publishAsync("devices/wearable-002/config", "not-for-us", { qos: 1 });
      await until(() => h.seen.messages.length >= 1, "command");
      await new Promise((r) => setTimeout(r, 200));
      expect(h.seen.messages.map((m) => text(m.payload))).toEqual(["cfg-2"]);
    });
  });
}

describe("mosquitto over TLS, MQTT 5 specifics", () => {
  it("honours the CONNACK properties: Receive Maximum, Maximum Packet Size, Topic Alias Maximum", async () => {
    const h = devices.start({ protocolVersion: 5, inflight: 100, queue: { maxBytes: 4 * 1024 * 1024 } });
    await until(() => h.seen.connects.length === 1, "connected");
    const p = h.seen.connects[0].properties ?? {};
    expect(p.receiveMaximum).toBe(20); // max_inflight_messages 20
    expect(p.maximumPacketSize).toBe(16384); // max_packet_size
    // Above the Maximum Packet Size: refused locally, the next one still goes.
    const big = await publishAsync(h.client, `${TOPIC}/big`, new Uint8Array(300_000), { qos: 1 });
    expect((big as ClientError).code).toBe("packet-too-large");
    expect(await publishAsync(h.client, `${TOPIC}/big`, new Uint8Array(1000), { qos: 1 })).toBeUndefined();
    expect(h.client.connected).toBe(true);
  });

  it("topic aliases: a subscriber sees the full topic on every message", async () => {
    const sub = await peers.connect({ protocolVersion: 5 });
    const topics: string[] = [];
    sub.on("message", (t) => topics.push(t));
    await sub.subscribeAsync(`${TOPIC}/alias/#`, { qos: 1 });
    const h = devices.start({ protocolVersion: 5 });
    await until(() => h.seen.connects.length === 1, "connected");
    expect(h.seen.connects[0].properties?.topicAliasMaximum).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) await publishAsync(h.client, `${TOPIC}/alias/hr`, `${i}`, { qos: 1 });
    await until(() => topics.length === 5, "delivered");
    expect(new Set(topics)).toEqual(new Set([`${TOPIC}/alias/hr`]));
  });

  it("a publish the ACL denies completes with the broker's reason code", async () => {
    const h = devices.start({ protocolVersion: 5 });
    await until(() => h.seen.connects.length === 1, "connected");
    const error = (await publishAsync(h.client, "devices/wearable-002/hr", "spoof", { qos: 1 })) as ClientError | undefined;
    // mosquitto 2.0 answers a denied QoS 1 PUBLISH with PUBACK 0x87 (Not authorized).
    expect(error?.code).toBe("publish-refused");
    expect(error?.reasonCode).toBe(0x87);
  });

  it("session expiry: a persistent v5 session survives a broker restart and gets messages queued meanwhile", async () => {
    // (mosquitto 2.0.11 restores from its database only sessions that began with Clean Start = 0.)
    const h = devices.start({ protocolVersion: 5, clientId: DEVICE_ID, cleanStart: false, sessionExpiryInterval: 600 });
    await subscribeAsync(h.client, { topicFilter: `${TOPIC}/config`, qos: 1 });
    await broker.restart();
    await until(() => h.seen.connects.length === 2, "reconnected after restart", 20_000);
    expect(h.seen.connects[1].sessionPresent).toBe(true);
    const pub = await peers.connect({ protocolVersion: 5 });
    await pub.publishAsync(`${TOPIC}/config`, "after-restart", { qos: 1 });
    await until(() => h.seen.messages.some((m) => text(m.payload) === "after-restart"), "message after restart");
  }, 60_000);
});

describe("mosquitto over TLS, will", () => {
  it("the will is published when the link is lost, and not after a clean close()", async () => {
    const proxy = await FaultProxy.start({ host: "127.0.0.1", port: broker.port });
    try {
      const sub = await peers.connect();
      const wills: string[] = [];
      sub.on("message", (_t, payload) => wills.push(payload.toString()));
      await sub.subscribeAsync(`${TOPIC}/status`, { qos: 1 });
      const will = { topic: `${TOPIC}/status`, payload: new TextEncoder().encode("lost"), qos: 1 as const, retain: false };
      const h = devices.start({ brokers: [{ host: "localhost", address: "127.0.0.1", port: proxy.port }], will, reconnect: false });
      await until(() => h.seen.connects.length === 1, "connected");
      proxy.cut();
      await until(() => wills.length === 1, "will after a cut");
      expect(wills).toEqual(["lost"]);

      const h2 = devices.start({ will: { ...will, payload: new TextEncoder().encode("should-not-appear") } });
      await until(() => h2.seen.connects.length === 1, "connected");
      h2.client.close(); // DISCONNECT: the broker discards the will (3.1.2.5)
      // A marker after it (the ingest identity may not write there; the device may): had the will been
      // published it would have arrived first.
      const h3 = devices.start({});
      await until(() => h3.seen.connects.length === 1, "connected");
      await publishAsync(h3.client, `${TOPIC}/status`, "marker", { qos: 1 });
      await until(() => wills.includes("marker"), "marker");
      expect(wills).toEqual(["lost", "marker"]);
    } finally {
      await proxy.close();
    }
  });
});

describe("mosquitto over TLS, a message larger than the client accepts", () => {
  it("3.1.1: skipped as it streams in, reported with its topic and size, acknowledged so a resumed session does not send it again", async () => {
    const { client, seen } = devices.make({ maximumPacketSize: 4096, cleanStart: false, clientId: DEVICE_ID });
    client.connect();
    await until(() => seen.connects.length === 1, "connected");
    await subscribeAsync(client, { topicFilter: `${TOPIC}/config`, qos: 1 });
    const ingest = await peers.connect();
    await ingest.publishAsync(`${TOPIC}/config`, Buffer.alloc(10_000, 0x61), { qos: 1 }); // under the broker's 16 KiB
    await ingest.publishAsync(`${TOPIC}/config`, "small", { qos: 1 });
    await until(() => seen.messages.length === 1, "the small message after it");
    const tooLarge = seen.errors.filter((e) => (e as ClientError).code === "message-too-large") as (ClientError & { topic: string; size: number; limit: number })[];
    expect(tooLarge).toHaveLength(1);
    expect(tooLarge[0]).toMatchObject({ topic: `${TOPIC}/config`, limit: 4096 });
    expect(tooLarge[0].size).toBeGreaterThan(10_000);
    expect(text(seen.messages[0].payload)).toBe("small");
    expect(seen.disconnects).toHaveLength(0); // the connection stayed
    // Acknowledged: after a reconnect that resumes the session, mosquitto has nothing left to send.
    client.close();
    const again = devices.make({ maximumPacketSize: 4096, cleanStart: false, clientId: DEVICE_ID });
    again.client.connect();
    await until(() => again.seen.connects.length === 1, "reconnected");
    expect(again.seen.connects[0].sessionPresent).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(again.seen.errors.filter((e) => (e as ClientError).code === "message-too-large")).toHaveLength(0);
  });

  it("5.0: the client's Maximum Packet Size is in CONNECT, so mosquitto never sends the larger message", async () => {
    const { client, seen } = devices.make({ protocolVersion: 5, maximumPacketSize: 4096 });
    client.connect();
    await until(() => seen.connects.length === 1, "connected");
    await subscribeAsync(client, { topicFilter: `${TOPIC}/config`, qos: 1 });
    const ingest = await peers.connect({ protocolVersion: 5 });
    await ingest.publishAsync(`${TOPIC}/config`, Buffer.alloc(10_000, 0x61), { qos: 1 });
    await ingest.publishAsync(`${TOPIC}/config`, "small", { qos: 1 });
    await until(() => seen.messages.length === 1, "the small message");
    expect(text(seen.messages[0].payload)).toBe("small");
    expect(seen.errors).toHaveLength(0);
  });
});
