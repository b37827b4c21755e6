// The TLS negative matrix: our MQTT client (firmware/mqtt/client/client.ts) over the host socket binding with the
// device TLS profile, against a real mosquitto running the hardened config, through a relay that keeps
// every byte the client sent. Each refusal asserts (1) the typed error, (2) that no MQTT byte went out in
// clear (and, for TLS refusals, no application data at all), (3) that no publish was reported delivered.

import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ClientError, ConnackError } from "../../firmware/mqtt/client/client-errors.js";
import { NetworkError } from "../../firmware/mqtt/platform/network-error.js";
import { TlsError, type TlsErrorCode } from "../../firmware/mqtt/platform/tls-error.js";
import { NodeClock } from "../../host-sim/platform/node-clock.js";
import { DEVICE_ID, OTHER_DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";
import type { MosquittoOptions } from "../../support/mosquitto.js";
import {
  PASSWORD,
  brokerBehindSniffer as behindSniffer,
  publishAndWait,
  runDevice as startDevice,
  runIngest as startIngest,
  type Cleanups,
  type Run,
  type RunOptions,
  type Setup,
} from "./device-run.js";
import { parseClientHello } from "./helpers.js";
import { CONTENT_APPLICATION_DATA, MQTT_PROTOCOL_NAME, type Sniffer } from "./sniffer.js";

let pki: TestPki;
const cleanups: Cleanups = [];

beforeAll(async () => {
  pki = await ensureDevPki();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const brokerBehindSniffer = (options: Partial<MosquittoOptions> = {}, plain = false): Promise<Setup> =>
  behindSniffer(pki, cleanups, options, plain);
const runDevice = (port: number, options: RunOptions = {}): Run => startDevice(pki, cleanups, port, options);
const runIngest = (broker: Setup["broker"]): ReturnType<typeof startIngest> => startIngest(pki, cleanups, broker);

/**
 * The client's bytes never carried MQTT in clear: no CONNECT protocol name (3.1.2.1), no client id as MQTT
 * encodes it (two-byte length + UTF-8, 1.5.4), no password. (The bare device id does appear: TLS 1.2 sends
 * the client certificate, CN included, unencrypted; there it is a DER UTF8String, tag 0x0C, not 0x00.)
 */
function expectNothingInClear(sniffer: Sniffer): void {
  const all = sniffer.clientBytes();
  expect(all.includes(MQTT_PROTOCOL_NAME)).toBe(false);
  expect(all.includes(Buffer.concat([Buffer.from([0, DEVICE_ID.length]), Buffer.from(DEVICE_ID)]))).toBe(false);
  expect(all.includes(Buffer.from(PASSWORD))).toBe(false);
  for (let n = 0; n < sniffer.connections; n++) expect(sniffer.records(n).plaintext.length).toBe(0);
}

/** Refused by TLS: the typed error, no application data at all, nothing in clear, the publish not delivered. */
async function expectTlsRefusal(run: Run, sniffer: Sniffer, code: TlsErrorCode): Promise<TlsError> {
  await run.settled;
  expect(run.connects).toBe(0);
  const error = run.errors[0];
  expect(error).toBeInstanceOf(TlsError);
  expect((error as TlsError).code).toBe(code);
  for (let n = 0; n < sniffer.connections; n++) expect(sniffer.records(n).types).not.toContain(CONTENT_APPLICATION_DATA);
  expectNothingInClear(sniffer);
  run.client.close();
  expect(run.publish).toBeInstanceOf(ClientError);
  expect((run.publish as ClientError).code).toBe("client-closed");
  return error as TlsError;
}

describe("TLS negative matrix (device profile, hardened mosquitto)", () => {
  it("control: the device connects, publishes, and nothing of MQTT is readable on the wire", async () => {
    const { broker, sniffer } = await brokerBehindSniffer();
    const run = runDevice(sniffer.port);
    await run.settled;
    expect(run.errors).toEqual([]);
    await expect.poll(() => run.publish, { timeout: 15_000 }).toBe("delivered");
    expect(sniffer.records(0).types).toContain(CONTENT_APPLICATION_DATA);
    expectNothingInClear(sniffer);
    await broker.waitForLog(new RegExp(`New client connected .* as ${DEVICE_ID} .*u'${DEVICE_ID}'`));
  });

  it("unknown CA: certificate-unknown", async () => {
    const { sniffer } = await brokerBehindSniffer({ tls: pki.serverTls("otherCaServer") });
    await expectTlsRefusal(runDevice(sniffer.port), sniffer, "certificate-unknown");
  });

  it("self-signed server certificate: certificate-unknown", async () => {
    const { sniffer } = await brokerBehindSniffer({ tls: pki.serverTls("selfSignedServer") });
    await expectTlsRefusal(runDevice(sniffer.port), sniffer, "certificate-unknown");
  });

  it("fake CA (the dev CA's subject name, another key) signing a broker certificate with the right SAN: certificate-unknown", async () => {
    expect(pki.odd.impostorCaServer.certPem).not.toBe(pki.broker.certPem);
    const { sniffer } = await brokerBehindSniffer({ tls: pki.serverTls("impostorCaServer") });
    await expectTlsRefusal(runDevice(sniffer.port), sniffer, "certificate-unknown");
  });

  it("host name not in the server certificate's SAN: hostname-mismatch", async () => {
    const { sniffer } = await brokerBehindSniffer({ tls: pki.serverTls("wrongHostServer") });
    await expectTlsRefusal(runDevice(sniffer.port), sniffer, "hostname-mismatch");
  });

  it("expired server certificate: expired", async () => {
    const { sniffer } = await brokerBehindSniffer({ tls: pki.serverTls("expiredServer") });
    await expectTlsRefusal(runDevice(sniffer.port), sniffer, "expired");
  });

  it("not-yet-valid server certificate: not-yet-valid", async () => {
    const { sniffer } = await brokerBehindSniffer({ tls: pki.serverTls("notYetValidServer") });
    await expectTlsRefusal(runDevice(sniffer.port), sniffer, "not-yet-valid");
  });

  it("device clock unset (no SNTP yet): clock-unset, and no connection is even opened", async () => {
    const { sniffer } = await brokerBehindSniffer();
    const clock = new NodeClock();
    clock.setWallTime(null);
    await expectTlsRefusal(runDevice(sniffer.port, { clock }), sniffer, "clock-unset");
    expect(sniffer.connections).toBe(0);
  });

  it("device clock far ahead: the valid broker certificate is expired for the device", async () => {
    const { sniffer } = await brokerBehindSniffer();
    const clock = new NodeClock();
    clock.setWallTime(Date.UTC(2100, 0, 1));
    await expectTlsRefusal(runDevice(sniffer.port, { clock }), sniffer, "expired");
  });

  it("no client certificate where one is required: certificate-required", async () => {
    const { broker, sniffer } = await brokerBehindSniffer();
    const { clientCertificates: _c, clientKey: _k, ...noCert } = pki.deviceTls();
    await expectTlsRefusal(runDevice(sniffer.port, { secure: noCert }), sniffer, "certificate-required");
    await broker.waitForLog(/peer did not return a certificate/);
  });

  it("client certificate from another CA: bad-certificate, with the server's alert (48 unknown_ca)", async () => {
    const { sniffer } = await brokerBehindSniffer();
    const secure = { ...pki.deviceTls(), clientCertificates: [pki.odd.otherCaDevice.certDer], clientKey: pki.odd.otherCaDevice.keyDer };
    const error = await expectTlsRefusal(runDevice(sniffer.port, { secure }), sniffer, "bad-certificate");
    expect(error.alert).toBe(48);
  });

  it("ECDSA device key: unsupported-key before connecting, naming the device limitation", async () => {
    const { sniffer } = await brokerBehindSniffer();
    const secure = { ...pki.deviceTls(), clientCertificates: [pki.odd.ecdsaDevice.certDer], clientKey: pki.odd.ecdsaDevice.keyDer };
    const error = await expectTlsRefusal(runDevice(sniffer.port, { secure }), sniffer, "unsupported-key");
    expect(error.message).toMatch(/RSA/);
    expect(sniffer.connections).toBe(0);
  });

  it("a TLS 1.3-only broker under the device profile: protocol-version (the node profile gets through)", async () => {
    const { sniffer } = await brokerBehindSniffer({ tlsVersion: "tlsv1.3" });
    await expectTlsRefusal(runDevice(sniffer.port), sniffer, "protocol-version");
    const node = runDevice(sniffer.port, { profile: "node" });
    await node.settled;
    expect(node.errors).toEqual([]);
    expect(node.connects).toBe(1);
  });

  it("a plain-text listener while TLS is configured: a cut during the handshake (no TLS evidence), never a downgrade to clear text", async () => {
    const { broker, sniffer } = await brokerBehindSniffer({}, true);
    const run = runDevice(sniffer.port);
    await run.settled;
    expect(run.connects).toBe(0);
    expect(run.errors[0]).toBeInstanceOf(NetworkError);
    expect(run.errors[0]).toMatchObject({ code: "connection-lost", duringTlsHandshake: true });
    expect(parseClientHello(sniffer.clientBytes(0))).toBeDefined(); // a ClientHello was all we sent
    expectNothingInClear(sniffer);
    expect(broker.logs()).not.toMatch(/New client connected/);
  });

  it("ALPN is offered when configured (seen on the wire by the broker side)", async () => {
    const { sniffer } = await brokerBehindSniffer();
    const run = runDevice(sniffer.port, { secure: { ...pki.deviceTls(), applicationLayerProtocolNegotiation: "x-amzn-mqtt-ca" } });
    await run.settled;
    const hello = parseClientHello(sniffer.clientBytes(0));
    expect(hello?.alpn).toEqual(["x-amzn-mqtt-ca"]);
    expect(hello?.sni).toBe("localhost");
    expect(run.connects).toBe(1);
  });
});

describe("MQTT-level refusals over a good TLS connection", () => {
  it("publishing to another device's topic, MQTT 3.1.1: acknowledged by the broker but not delivered", async () => {
    const { broker, sniffer } = await brokerBehindSniffer();
    const ingest = await runIngest(broker);
    const run = runDevice(sniffer.port);
    await run.settled;
    await expect.poll(() => run.publish, { timeout: 15_000 }).toBe("delivered");
    const spoof = await publishAndWait(run.client, `devices/${OTHER_DEVICE_ID}/hr`);
    expect(spoof).toBeUndefined(); // 3.1.1 has no way to say no: PUBACK all the same
    await broker.waitForLog(new RegExp(`Denied PUBLISH from ${DEVICE_ID} .*devices/${OTHER_DEVICE_ID}/hr`));
    // A later publish that does arrive proves the denied one was processed first and dropped.
    expect(await publishAndWait(run.client, `devices/${DEVICE_ID}/marker`)).toBeUndefined();
    await ingest.until(() => ingest.others.some((m) => m.topic === `devices/${DEVICE_ID}/marker`), "the marker");
    expect(ingest.others.map((m) => m.topic)).not.toContain(`devices/${OTHER_DEVICE_ID}/hr`);
    expectNothingInClear(sniffer);
  });

  it("publishing to another device's topic, MQTT 5.0: PUBACK reason 0x87 surfaced as publish-refused", async () => {
    const { sniffer } = await brokerBehindSniffer();
    const run = runDevice(sniffer.port, { protocolVersion: 5 });
    await run.settled;
    const error = await publishAndWait(run.client, `devices/${OTHER_DEVICE_ID}/hr`);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe("publish-refused");
    expect((error as ClientError).reasonCode).toBe(0x87);
  });

  // mosquitto 2.0 answers a bad password with "not authorized": 3.1.1 return code 5, 5.0 reason 0x87.
  for (const [protocolVersion, code] of [
    [4, 0x05],
    [5, 0x87],
  ] as const) {
    it(`wrong password (MQTT ${protocolVersion === 4 ? "3.1.1" : "5.0"}): CONNACK 0x${code.toString(16).padStart(2, "0")}, publish not delivered`, async () => {
      const { sniffer } = await brokerBehindSniffer({ useIdentityAsUsername: false, passwords: { [DEVICE_ID]: PASSWORD } });
      const run = runDevice(sniffer.port, { protocolVersion, username: DEVICE_ID, password: "not-the-password" });
      await run.settled;
      expect(run.connects).toBe(0);
      expect(run.errors[0]).toBeInstanceOf(ConnackError);
      expect((run.errors[0] as ConnackError).reasonCode).toBe(code);
      run.client.close();
      expect(run.publish).toBeInstanceOf(ClientError);
      expectNothingInClear(sniffer);
    });
  }

  it("right password with a password file: connects (the control for the case above)", async () => {
    const { sniffer } = await brokerBehindSniffer({ useIdentityAsUsername: false, passwords: { [DEVICE_ID]: PASSWORD } });
    const run = runDevice(sniffer.port, { username: DEVICE_ID, password: PASSWORD });
    await run.settled;
    expect(run.connects).toBe(1);
    await expect.poll(() => run.publish, { timeout: 15_000 }).toBe("delivered");
    expectNothingInClear(sniffer);
  });
});
