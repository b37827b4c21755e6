// The embedded broker applies the project ACL (certs/acl) by certificate CN.
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mayRead, mayWrite, startEmbeddedBroker, type EmbeddedBroker } from "../../host-sim/embedded-broker.js";
import { ensureDevPki, type TestPki } from "../../support/certs.js";

describe("embedded broker ACL", () => {
  it("lets a device write below its own tree and read only its config", () => {
    expect(mayWrite("wearable-001", "devices/wearable-001/telemetry")).toBe(true);
    expect(mayWrite("wearable-001", "devices/wearable-002/telemetry")).toBe(false);
    expect(mayWrite("wearable-001", "devices/wearable-001")).toBe(false);
    expect(mayRead("wearable-001", "devices/wearable-001/config")).toBe(true);
    expect(mayRead("wearable-001", "devices/#")).toBe(false);
  });
  it("lets a device read the answers to its own renewal requests, and the renewal service answer any device", () => {
    expect(mayWrite("wearable-001", "devices/wearable-001/cert/request")).toBe(true);
    expect(mayRead("wearable-001", "devices/wearable-001/cert/issued")).toBe(true);
    expect(mayRead("wearable-001", "devices/wearable-001/cert/rejected")).toBe(true);
    expect(mayRead("wearable-001", "devices/wearable-002/cert/issued")).toBe(false);
    expect(mayRead("renewal", "devices/+/cert/request")).toBe(true);
    expect(mayRead("renewal", "devices/+/telemetry")).toBe(false);
    expect(mayWrite("renewal", "devices/wearable-002/cert/issued")).toBe(true);
    expect(mayWrite("renewal", "devices/wearable-002/config")).toBe(false);
  });
  it("lets ingest read all devices and write only config", () => {
    expect(mayRead("ingest", "devices/+/telemetry")).toBe(true);
    expect(mayWrite("ingest", "devices/wearable-001/config")).toBe(true);
    expect(mayWrite("ingest", "devices/wearable-001/telemetry")).toBe(false);
  });
});

describe("embedded broker over TLS", () => {
  let pki: TestPki;
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    pki = await ensureDevPki();
    broker = await startEmbeddedBroker({ ca: pki.ca.certPem, cert: pki.broker.certPem, key: pki.broker.keyPem, port: 0 });
  });
  afterAll(async () => {
    await broker.close();
  });

  const connect = (cert: string, key: string) =>
    mqtt.connectAsync(`mqtts://127.0.0.1:${broker.port}`, { ca: pki.ca.certPem, cert, key, servername: "localhost", reconnectPeriod: 0 });

  it("refuses a subscription outside the ACL and grants one inside", async () => {
    const device = await connect(pki.device.certPem, pki.device.keyPem);
    try {
      const granted = await device.subscribeAsync("devices/wearable-001/config", { qos: 1 });
      expect(granted.map((g) => g.qos)).toEqual([1]);
      // SUBACK 0x80 (MQTT.js reports it as an error); the connection stays up.
      await expect(device.subscribeAsync("devices/wearable-002/config", { qos: 1 })).rejects.toThrow(/Unspecified error/);
      expect(device.connected).toBe(true);
    } finally {
      await device.endAsync(true);
    }
  });

  it("refuses a client without a certificate from the dev CA", async () => {
    const client = mqtt.connect(`mqtts://127.0.0.1:${broker.port}`, {
      ca: pki.ca.certPem, cert: pki.odd.otherCaDevice.certPem, key: pki.odd.otherCaDevice.keyPem, servername: "localhost", reconnectPeriod: 0,
    });
    try {
      const outcome = await new Promise<string>((resolve) => {
        client.once("connect", () => resolve("connected"));
        client.once("error", () => resolve("refused"));
        client.once("close", () => resolve("refused"));
      });
      expect(outcome).toBe("refused");
    } finally {
      await client.endAsync(true);
    }
  });
});
