// TLS session resumption against the hardened mosquitto (certs/mosquitto.conf), through a counting relay: the
// host socket binding resumes by session id as the device's TLS does (the SDK's ssl/cache), the broker
// allows it with client certificates required (it sets a session id context per listener), the resumed
// connection is still the certificate's identity for the ACL, a session is never offered under another
// identity, and a resumed handshake costs well under half the bytes of a full one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MqttClient } from "../../firmware/mqtt/client/client.js";
import type { TlsOptions } from "../../firmware/platform/ports.js";
import { startCountingRelay, type CountingRelay } from "../../bench/wire/relay.js";
import { NodeClock } from "../../host-sim/platform/node-clock.js";
import { nodeSocketClass } from "../../host-sim/platform/node-socket.js";
import { DEVICE_ID, OTHER_DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import { startMosquitto, type Mosquitto } from "../../support/mosquitto.js";

let pki: TestPki;
let broker: Mosquitto;
let relay: CountingRelay;

beforeAll(async () => {
  pki = await ensureDevPki();
  broker = await startMosquitto({ tls: pki.brokerTls });
  relay = await startCountingRelay({ host: "127.0.0.1", port: broker.port });
}, 60_000);
afterAll(async () => {
  await relay?.close();
  await broker?.close();
});

/** One MQTT connection through the relay (CONNECT, a QoS 1 publish on the device's own topic, DISCONNECT). */
async function session(secure: TlsOptions, clientId: string, settings: { resume?: boolean } = {}): Promise<void> {
  const clock = new NodeClock();
  const errors: Error[] = [];
  await new Promise<void>((resolve, reject) => {
    const client = new MqttClient({
      Socket: nodeSocketClass(settings),
      clock,
      brokers: [{ host: "localhost", port: relay.port, address: "127.0.0.1" }],
      secure,
      clientId,
      reconnect: false,
      onError: (error) => errors.push(error),
      onConnect: () => {
        client.publish(`devices/${clientId}/telemetry`, "x", { qos: 1 }, (error) => {
          client.close();
          if (error) reject(error);
          else resolve();
        });
      },
    });
    client.connect();
    setTimeout(() => reject(new Error(`no connection: ${errors.map((e) => e.message).join("; ")}`)), 10_000).unref();
  });
  await relay.idle();
}

const handshake = (i: number) => relay.connections[i].upRecords.handshake + relay.connections[i].downRecords.handshake + relay.connections[i].upRecords.changeCipherSpec + relay.connections[i].downRecords.changeCipherSpec;

describe("TLS session resumption with the hardened broker", () => {
  it("resumes the device's session by id on its next connection, as the same identity, at under half the handshake bytes", async () => {
    const secure = pki.deviceTls();
    const from = relay.connections.length;
    await session(secure, DEVICE_ID);
    await session(secure, DEVICE_ID);
    const [full, resumed] = [relay.connections[from], relay.connections[from + 1]];
    expect(full.resumed).toBe(false);
    expect(resumed.resumed).toBe(true);
    expect(handshake(from + 1)).toBeLessThan(handshake(from) / 2);
    // Two round trips before the first MQTT byte, then one: ClientHello, ServerHello..ServerHelloDone,
    // Certificate..Finished, Finished; resumed: ClientHello, ServerHello..Finished, Finished with the CONNECT.
    expect([full.flights, resumed.flights]).toEqual([4, 3]);
    // The broker still knows the device by its certificate (use_identity_as_username): the ACL let it publish.
    const logins = broker.logs().split("\n").filter((line) => line.includes(`as ${DEVICE_ID} `) && line.includes(`u'${DEVICE_ID}'`));
    expect(logins.length).toBeGreaterThanOrEqual(2);
  });

  it("never offers one identity's session under another's credentials, and resumes nothing when asked not to", async () => {
    const mine = pki.deviceTls();
    const from = relay.connections.length;
    await session(mine, DEVICE_ID);
    await session(pki.deviceTls(OTHER_DEVICE_ID), OTHER_DEVICE_ID); // same server name, other credentials
    await session(mine, DEVICE_ID, { resume: false });
    expect(relay.connections.slice(from).map((c) => c.resumed)).toEqual([false, false, false]);
  });
});
