// The MQTT client inside the XS engine against mosquitto over TLS with a client certificate (the socket is
// Node TLS on the far side of the bridge): connect, QoS 1 publishes acknowledged, reconnect after a cut
// link, and the unacknowledged PUBLISH resent with DUP=1 and the same packet identifier.
import mqtt, { type MqttClient as MqttJsClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NodeClock } from "../../host-sim/platform/node-clock.js";
import { NodeSocket } from "../../host-sim/platform/node-socket.js";
import type { ClientSettings, ClientStatus, ReportedError } from "../../host-sim/xs/entries/client.js";
import { XsFirmware } from "../../host-sim/xs/firmware.js";
import { DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { startMosquitto, type Mosquitto } from "../../support/mosquitto.js";
import { SocketTap } from "./support/socket-tap.js";

const entry = "host-sim/xs/entries/client.ts";
const topic = `devices/${DEVICE_ID}/hr`;

let pki: TestPki;
let broker: Mosquitto;
let ingest: MqttJsClient;
const received: string[] = [];
let xs: XsFirmware | undefined;

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
  ingest.on("message", (_topic, payload) => received.push(payload.toString()));
  await ingest.subscribeAsync(`devices/${DEVICE_ID}/#`, { qos: 1 });
});

afterEach(async () => {
  if (xs) {
    await xs.call("close").catch(() => {});
    await xs.close();
  }
  xs = undefined;
  received.length = 0;
});

afterAll(async () => {
  await ingest?.endAsync(true);
  await broker?.close();
});

function settings(extra: Partial<ClientSettings> = {}): ClientSettings {
  return {
    brokers: [{ host: "localhost", address: broker.host, port: broker.port }],
    secure: pki.deviceTls(DEVICE_ID),
    clientId: DEVICE_ID,
    keepAlive: 30,
    backoff: { base: 20, cap: 200 },
    ...extra,
  };
}

async function startClient(tap: SocketTap, extra: Partial<ClientSettings> = {}) {
  xs = await XsFirmware.start({ entry, ports: { Socket: tap.Socket, clock: new NodeClock() } });
  await xs.call("start", settings(extra));
  return xs;
}

describe("MQTT client in XS against mosquitto over TLS", () => {
  it("connects with its client certificate and gets QoS 1 publishes acknowledged", async () => {
    const tap = new SocketTap(NodeSocket);
    const xs = await startClient(tap);
    await xs.call("until", "connects", 1);
    const outcomes = await xs.call<(ReportedError | null)[]>("publish", topic, new TextEncoder().encode("72"), 1, 20);
    expect(outcomes).toEqual(Array(20).fill(null));
    const ids = tap.last.publishes().map((p) => p.messageId);
    expect(new Set(ids).size).toBe(20); // 20 distinct packet identifiers in flight
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(20);
    expect(new Set(received)).toEqual(new Set(["72"]));
    const status = await xs.call<ClientStatus>("status");
    expect(status).toMatchObject({ connected: true, inflight: 0, queued: 0, errors: [] });
    expect(status.connects[0]).toMatchObject({ sessionPresent: false, reasonCode: 0 });
  });

  it("reconnects after a cut link and resends the unacknowledged PUBLISH with DUP=1 and the same packet id", async () => {
    const tap = new SocketTap(NodeSocket);
    const xs = await startClient(tap, { cleanStart: false });
    await xs.call("until", "connects", 1);
    // Withhold the broker's PUBACK: the publish stays unacknowledged on the client.
    tap.holdIncoming = true;
    const outcome = xs.call<(ReportedError | null)[]>("publish", topic, new TextEncoder().encode("resent"), 1, 1);
    await expect.poll(() => tap.last.publishes().length, { timeout: 10_000 }).toBe(1);
    const first = tap.last.publishes()[0];
    expect(first).toMatchObject({ qos: 1, dup: false });
    await expect.poll(() => tap.last.withheld, { timeout: 10_000 }).toBeGreaterThan(0); // the PUBACK came, unseen
    expect((await xs.call<ClientStatus>("status")).inflight).toBe(1);

    tap.holdIncoming = false;
    tap.cut();
    await xs.call("until", "connects", 2);
    expect(await outcome).toEqual([null]);
    const status = await xs.call<ClientStatus>("status");
    expect(status.disconnects).toHaveLength(1);
    expect(status.connects[1].sessionPresent).toBe(true);
    expect(tap.connections).toHaveLength(2);
    const resent = tap.connections[1].publishes();
    expect(resent).toHaveLength(1);
    expect(resent[0]).toMatchObject({ messageId: first.messageId, dup: true, qos: 1, topic });
    expect(Buffer.from(resent[0].payload as Buffer).toString()).toBe("resent");
    await expect.poll(() => received.includes("resent"), { timeout: 10_000 }).toBe(true);
  });

  it("reports a server certificate from an unknown CA as a TlsError with its code", async () => {
    const tap = new SocketTap(NodeSocket);
    const xs = await startClient(tap, { secure: { ...pki.deviceTls(DEVICE_ID), certificate: pki.odd.otherCa.certDer } });
    await xs.call("until", "errors", 1);
    const status = await xs.call<ClientStatus>("status");
    expect(status.connects).toHaveLength(0);
    expect(status.errors[0]).toMatchObject({ name: "TlsError", code: "certificate-unknown" });
  });
});
