// The hardened broker configuration (certs/mosquitto.conf + certs/acl) as the tests run it, checked with
// an independent client (MQTT.js): identity from the certificate, per-device ACL, no anonymous access,
// persistence across a restart on the same port. Our own client's negative matrix is in matrix*.test.ts.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { ensureDevPki, DEVICE_ID, OTHER_DEVICE_ID, type Identity, type TestPki } from "../../support/certs.js";
import { startMosquitto, type Mosquitto } from "../../support/mosquitto.js";

let pki: TestPki;
let broker: Mosquitto;
const open: MqttClient[] = [];

beforeAll(async () => {
  pki = await ensureDevPki();
  broker = await startMosquitto({ tls: pki.brokerTls, persistence: true });
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.endAsync(true)));
  await broker?.close();
});

function options(identity: Identity | undefined, extra: IClientOptions = {}): IClientOptions {
  return {
    host: broker.host,
    port: broker.port,
    protocol: "mqtts",
    ca: pki.ca.certPem,
    cert: identity?.certPem,
    key: identity?.keyPem,
    servername: "localhost",
    reconnectPeriod: 0,
    connectTimeout: 20_000,
    ...extra,
  };
}

async function connect(identity: Identity | undefined, extra: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(options(identity, extra));
  open.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
    client.once("close", () => reject(new Error("closed before CONNACK")));
  });
  return client;
}

function nextMessage(client: MqttClient, topic: string): Promise<string> {
  return new Promise((resolve) => {
    const on = (t: string, payload: Buffer): void => {
      if (t !== topic) return;
      client.off("message", on);
      resolve(payload.toString());
    };
    client.on("message", on);
  });
}

describe("hardened mosquitto config", () => {
  it("lets a device publish under devices/<its CN>/ and the ingest identity read it", async () => {
    const ingest = await connect(pki.ingest, { clientId: "ingest-1" });
    await ingest.subscribeAsync("devices/+/#", { qos: 1 });
    const device = await connect(pki.device, { clientId: "any-client-id" });
    const got = nextMessage(ingest, `devices/${DEVICE_ID}/hr`);
    await device.publishAsync(`devices/${DEVICE_ID}/hr`, "72", { qos: 1 });
    expect(await got).toBe("72");
  });

  it("drops a device's publish to another device's topic (MQTT 3.1.1: acknowledged, not delivered)", async () => {
    const ingest = await connect(pki.ingest, { clientId: "ingest-2" });
    await ingest.subscribeAsync("devices/+/#", { qos: 1 });
    const device = await connect(pki.device, { clientId: "dev-311" });
    const seen: string[] = [];
    ingest.on("message", (topic) => seen.push(topic));
    await device.publishAsync(`devices/${OTHER_DEVICE_ID}/hr`, "spoofed", { qos: 1 });
    // A marker published after the denied one proves the broker has processed both, in order.
    const marker = nextMessage(ingest, `devices/${DEVICE_ID}/marker`);
    await device.publishAsync(`devices/${DEVICE_ID}/marker`, "m", { qos: 1 });
    await marker;
    expect(seen).not.toContain(`devices/${OTHER_DEVICE_ID}/hr`);
    await broker.waitForLog(new RegExp(`Denied PUBLISH from dev-311 .*devices/${OTHER_DEVICE_ID}/hr`));
  });

  it("answers a denied MQTT 5 publish with PUBACK reason 0x87 (Not authorized)", async () => {
    const device = await connect(pki.device, { clientId: "dev-5", protocolVersion: 5 });
    const error = await device.publishAsync(`devices/${OTHER_DEVICE_ID}/hr`, "spoofed", { qos: 1 }).then(
      () => undefined,
      (e: Error & { code?: number }) => e,
    );
    expect(error?.code).toBe(0x87);
  });

  it("delivers to a device only its own config topic (mosquitto 2.0 grants the SUBSCRIBE, filters on read)", async () => {
    const device = await connect(pki.device, { clientId: "dev-sub", protocolVersion: 5 });
    await device.subscribeAsync([`devices/${DEVICE_ID}/config`, `devices/${OTHER_DEVICE_ID}/config`], { qos: 1 });
    const seen: string[] = [];
    device.on("message", (topic) => seen.push(topic));
    const ingest = await connect(pki.ingest, { clientId: "ingest-cfg" });
    const own = nextMessage(device, `devices/${DEVICE_ID}/config`);
    await ingest.publishAsync(`devices/${OTHER_DEVICE_ID}/config`, "not yours", { qos: 1 });
    await ingest.publishAsync(`devices/${DEVICE_ID}/config`, "yours", { qos: 1 });
    expect(await own).toBe("yours");
    expect(seen).toEqual([`devices/${DEVICE_ID}/config`]);
  });

  it("refuses a TLS client without a certificate", async () => {
    await expect(connect(undefined, { clientId: "anon" })).rejects.toThrow();
    await broker.waitForLog(/peer did not return a certificate|no certificate returned/i);
  });

  it("refuses a client certificate issued by another CA", async () => {
    await expect(connect(pki.odd.otherCaDevice, { clientId: "other-ca" })).rejects.toThrow();
  });

  it("keeps a persistent session and its queued QoS 1 message across a restart on the same port", async () => {
    const first = await connect(pki.ingest, { clientId: "ingest-persist", clean: false });
    await first.subscribeAsync(`devices/${DEVICE_ID}/persist`, { qos: 1 });
    await first.endAsync();
    const device = await connect(pki.device, { clientId: "dev-persist" });
    await device.publishAsync(`devices/${DEVICE_ID}/persist`, "queued", { qos: 1 });
    await device.endAsync();
    const port = broker.port;
    await broker.restart();
    expect(broker.port).toBe(port);
    const again = mqtt.connect(options(pki.ingest, { clientId: "ingest-persist", clean: false }));
    open.push(again);
    const got = nextMessage(again, `devices/${DEVICE_ID}/persist`);
    expect(await got).toBe("queued");
  });
});
