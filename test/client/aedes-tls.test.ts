// The client against a real broker: aedes (MQTT 3.1.1) over node:tls with client certificates.
import type mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TlsError } from "../../firmware/mqtt/platform/tls-error.js";
import { startAedes, type AedesBroker } from "../../support/aedes.js";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { IngestPeers, TestClients, publishAsync, subscribeAsync, text, until } from "./harness.js";

let pki: TestPki;
let aedes: AedesBroker;
const peers = new IngestPeers(() => ({ pki, port: aedes.port }));

beforeAll(async () => {
  pki = await ensureDevPki();
  aedes = await startAedes(pki);
});
afterAll(async () => {
  await aedes.close();
});
afterEach(async () => {
  devices.closeAll();
  await peers.endAll();
});

const devices = new TestClients(() => ({
  brokers: [{ host: "localhost", port: aedes.port, address: "127.0.0.1" }],
  secure: pki.deviceTls(),
}));

function collect(p: mqtt.MqttClient): { topic: string; payload: string; qos: number; retain: boolean }[] {
  const got: { topic: string; payload: string; qos: number; retain: boolean }[] = [];
  p.on("message", (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }));
  return got;
}

describe("aedes over TLS", () => {
  it("connects with a client certificate and publishes QoS 0, 1 and 2 to a subscriber", async () => {
    const sub = await peers.connect();
    const got = collect(sub);
    await sub.subscribeAsync("devices/#", { qos: 2 });
    const h = devices.start({ clientId: "dev-tls" });
    await until(() => h.seen.connects.length === 1, "connected");
    expect(await publishAsync(h.client, "devices/a/hr", "q0", { qos: 0 })).toBeUndefined();
    expect(await publishAsync(h.client, "devices/a/hr", "q1", { qos: 1 })).toBeUndefined();
    expect(await publishAsync(h.client, "devices/a/hr", "q2", { qos: 2 })).toBeUndefined();
    await until(() => got.length === 3, "subscriber got all three");
    expect(got.map((m) => [m.payload, m.qos])).toEqual([
      ["q0", 0],
      ["q1", 1],
      ["q2", 2],
    ]);
  });

  it("subscribes and receives QoS 0/1/2 and the retained flag; unsubscribe stops delivery", async () => {
    const h = devices.start({ clientId: "dev-sub" });
    const pub = await peers.connect();
    await pub.publishAsync("devices/dev-sub/config", "retained-cfg", { qos: 1, retain: true });
    let granted: number[] = [];
    h.client.subscribe({ topicFilter: "devices/dev-sub/#", qos: 2 }, undefined, (_e, codes) => (granted = codes));
    await until(() => granted.length === 1, "suback");
    expect(granted).toEqual([2]);
    await until(() => h.seen.messages.length === 1, "retained message");
    expect(h.seen.messages[0].packet.retain).toBe(true);
    for (const qos of [0, 1, 2] as const) await pub.publishAsync("devices/dev-sub/cmd", `c${qos}`, { qos });
    await until(() => h.seen.messages.length === 4, "three commands");
    expect(h.seen.messages.slice(1).map((m) => [text(m.payload), m.packet.qos])).toEqual([
      ["c0", 0],
      ["c1", 1],
      ["c2", 2],
    ]);
    let unsubscribed = false;
    h.client.unsubscribe("devices/dev-sub/#", undefined, () => (unsubscribed = true));
    await until(() => unsubscribed, "unsuback");
    await pub.publishAsync("devices/dev-sub/cmd", "after", { qos: 1 });
    await pub.publishAsync("devices/dev-sub/cmd", "after2", { qos: 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect(h.seen.messages).toHaveLength(4);
    await pub.publishAsync("devices/dev-sub/config", "", { qos: 1, retain: true }); // clear the retained message
  });

  it("persistent session: QoS 1/2 messages published while offline are delivered after reconnect", async () => {
    const h1 = devices.start({ clientId: "dev-persist", cleanStart: false });
    await subscribeAsync(h1.client, { topicFilter: "devices/dev-persist/cmd", qos: 2 });
    h1.client.close();
    const pub = await peers.connect();
    await pub.publishAsync("devices/dev-persist/cmd", "while-offline-1", { qos: 1 });
    await pub.publishAsync("devices/dev-persist/cmd", "while-offline-2", { qos: 2 });
    const h2 = devices.start({ clientId: "dev-persist", cleanStart: false });
    await until(() => h2.seen.messages.length === 2, "offline messages");
    expect(h2.seen.connects[0].sessionPresent).toBe(true);
    expect(h2.seen.messages.map((m) => [text(m.payload), m.packet.qos])).toEqual([
      ["while-offline-1", 1],
      ["while-offline-2", 2],
    ]);
  });

  it("clean session discards the previous session's subscriptions and queued messages", async () => {
    const h1 = devices.start({ clientId: "dev-clean", cleanStart: false });
    await subscribeAsync(h1.client, { topicFilter: "devices/dev-clean/cmd", qos: 1 });
    h1.client.close();
    const pub = await peers.connect();
    await pub.publishAsync("devices/dev-clean/cmd", "lost", { qos: 1 });
    const h2 = devices.start({ clientId: "dev-clean", cleanStart: true });
    await until(() => h2.seen.connects.length === 1, "connected");
    expect(h2.seen.connects[0].sessionPresent).toBe(false);
    await pub.publishAsync("devices/dev-clean/cmd", "also-lost", { qos: 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect(h2.seen.messages).toHaveLength(0);
  });

  it("a cut connection reconnects, resumes the session and completes every QoS 1 publish", async () => {
    const sub = await peers.connect();
    const got = collect(sub);
    await sub.subscribeAsync("devices/cut/#", { qos: 1 });
    const h = devices.start({ clientId: "dev-cut", cleanStart: false });
    await until(() => h.seen.connects.length === 1, "connected");
    let completed = 0;
    const done: Promise<Error | undefined>[] = [];
    for (let i = 0; i < 1000; i++) {
      done.push(publishAsync(h.client, "devices/cut/x", `${i}`, { qos: 1 }).then((e) => (completed++, e)));
    }
    await until(() => completed >= 100, "some completed");
    expect(completed).toBeLessThan(1000);
    // Cut only the device's connection (the subscriber's CN is "ingest").
    for (const s of aedes.sockets) if (s.getPeerCertificate().subject?.CN === DEVICE_ID) s.destroy();
    const results = await Promise.all(done);
    expect(results.every((e) => e === undefined)).toBe(true);
    await until(() => new Set(got.map((m) => m.payload)).size === 1000, "subscriber has all 1000");
    expect(h.seen.connects.length).toBeGreaterThanOrEqual(2);
    // (aedes reports session present only when the session holds subscriptions, so either resume path may run.)
  });

  it("TLS: an unknown CA is a TlsError certificate-unknown", async () => {
    const h = devices.start({ secure: { ...pki.deviceTls(), certificate: pki.odd.otherCa.certDer }, reconnect: false });
    await until(() => h.seen.errors.length === 1, "TLS error");
    expect(h.seen.errors[0]).toBeInstanceOf(TlsError);
    expect((h.seen.errors[0] as TlsError).code).toBe("certificate-unknown");
  });

  it("TLS: a server name not in the certificate is a TlsError hostname-mismatch", async () => {
    const h = devices.start({ brokers: [{ host: "wrong.example", address: "127.0.0.1", port: aedes.port }], reconnect: false });
    await until(() => h.seen.errors.length === 1, "TLS error");
    expect((h.seen.errors[0] as TlsError).code).toBe("hostname-mismatch");
  });

  it("TLS: without a client certificate the required-certificate broker refuses the connection", async () => {
    const { clientCertificates: _c, clientKey: _k, ...noClient } = pki.deviceTls();
    const h = devices.start({ secure: noClient, reconnect: false });
    await until(() => h.seen.errors.length === 1, "refused");
    expect(h.seen.connects).toHaveLength(0);
    expect(h.seen.errors[0]).toBeInstanceOf(Error);
  });

  it("$-topics are not matched by subscriptions starting with a wildcard (4.7.2)", async () => {
    const h = devices.start({ clientId: "dev-dollar" });
    let granted = 0;
    h.client.subscribe(
      [
        { topicFilter: "#", qos: 0 },
        { topicFilter: "+/dollar", qos: 0 },
      ],
      undefined,
      (_e, codes) => (granted = codes.length),
    );
    await until(() => granted === 2, "subscribed");
    const pub = await peers.connect();
    await pub.publishAsync("$app/dollar", "hidden", { qos: 1 });
    await pub.publishAsync("app/dollar", "visible", { qos: 1 });
    await until(() => h.seen.messages.some((m) => text(m.payload) === "visible"), "visible");
    await new Promise((r) => setTimeout(r, 100));
    expect(h.seen.messages.filter((m) => m.topic.startsWith("$"))).toEqual([]);
  });
});
