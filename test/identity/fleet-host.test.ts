// A fleet of wearables with their identities apart from the image, on the host with the Node bindings (the
// simulated wearable of `npm start`, host-sim/device-sim.ts: the firmware's app and network, its credentials
// store in a partition image file), against the hardened mosquitto over mutual TLS, with the reference
// renewal service (host-sim/renewal-service.ts):
//   two provisioned devices connect as two distinct devices, each confined to its own topics;
//   the renewal service certifies only the device whose topic a request came on, for its own subject and key;
//   a certificate within the renewal margin is renewed in flight without a lost reading, and the device then
//   connects with the new one (the old one revoked at the broker);
//   a power cut during the renewal's write leaves a device that still connects (and renews at its next start);
//   a revoked device is refused (a persistent TLS refusal) while the others go on.
// The same scenarios run in the Moddable simulator in test/device/fleet.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { storeIn } from "../../certs/provisioning.js";
import { crlListing } from "../../certs/revocation.js";
import { readCertificate } from "../../firmware/identity/certificate.js";
import { CredentialStore } from "../../firmware/identity/credential-store.js";
import { certificationRequest } from "../../firmware/identity/csr.js";
import type { DeviceIdentity } from "../../firmware/identity/device-identity.js";
import { openIdentity } from "../../firmware/identity/open-identity.js";
import type { RenewalEvent } from "../../firmware/identity/renewal.js";
import { ClientError, PersistentFailureError } from "../../firmware/mqtt/client/client-errors.js";
import { TlsError } from "../../firmware/mqtt/platform/tls-error.js";
import { SimulatedDevice } from "../../host-sim/device-sim.js";
import { FileFlash } from "../../host-sim/platform/file-flash.js";
import { nodeSigner } from "../../host-sim/platform/node-signer.js";
import { PowerLossError } from "../../host-sim/platform/file-storage.js";
import { startRenewalService, type RenewalService } from "../../host-sim/renewal-service.js";
import { startSntpServer, type SntpServer } from "../../host-sim/sntp-server.js";
import { ensureDevPki, type TestPki } from "../../support/certs.js";
import { provisionedHome, serialOf } from "../../support/identities.js";
import { checkSequence, startIngest, type Ingest } from "../../support/ingest.js";
import { startMosquitto, type Mosquitto } from "../../support/mosquitto.js";
import { makeClient, publishAsync, subscribeAsync, until } from "../client/harness.js";

const FAST = { hrIntervalMs: 1000, tempIntervalMs: 2000, batchMaxAgeMs: 1000 };

let pki: TestPki;
let sntp: SntpServer;
let dir: string;
const open: { devices: SimulatedDevice[]; brokers: Mosquitto[]; ingests: Ingest[]; services: RenewalService[] } = { devices: [], brokers: [], ingests: [], services: [] };

beforeAll(async () => {
  pki = await ensureDevPki();
  sntp = await startSntpServer();
  dir = mkdtempSync(join(tmpdir(), "fleet-host-"));
}, 120_000);

afterEach(async () => {
  for (const d of open.devices.splice(0)) await d.close();
  for (const s of open.services.splice(0)) await s.close();
  for (const i of open.ingests.splice(0)) await i.close();
  for (const b of open.brokers.splice(0)) await b.close();
});

afterAll(async () => {
  await sntp?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A device id of this run, provisioned into a home of its own (the dev CA signs, for `days`). */
function provisioned(id: string, days?: number): Promise<{ home: string; serial: string }> {
  return provisionedHome(pki, id, join(dir, id), days);
}

function identityIn(home: string, flash = new FileFlash(storeIn(home))): DeviceIdentity {
  const identity = openIdentity(flash);
  if (!identity) throw new Error(`no identity in ${home}`);
  return identity;
}

async function broker(crlfile?: string): Promise<Mosquitto> {
  const b = await startMosquitto({ tls: { ...pki.brokerTls, ...(crlfile ? { crlfile } : {}) } });
  open.brokers.push(b);
  return b;
}

async function ingest(b: Mosquitto): Promise<Ingest> {
  const i = await startIngest(pki, b.port, "devices/#");
  open.ingests.push(i);
  return i;
}

async function renewalService(b: Mosquitto): Promise<RenewalService> {
  const s = await startRenewalService({ port: b.port, tls: pki.renewalTls, ca: pki.ca.files });
  open.services.push(s);
  return s;
}

interface Watched {
  device: SimulatedDevice;
  errors: Error[];
  renewals: RenewalEvent["kind"][];
}

async function start(identity: DeviceIdentity, home: string, b: Mosquitto): Promise<Watched> {
  const errors: Error[] = [];
  const renewals: RenewalEvent["kind"][] = [];
  const device = await SimulatedDevice.start({
    identity,
    broker: { host: "localhost", port: b.port },
    dataDir: home,
    sntp: `127.0.0.1:${sntp.port}`,
    light: { kind: "constant", bpm: 72 },
    temperature: 36.6,
    config: FAST,
    onError: (error) => errors.push(error),
    onRenewal: (event) => renewals.push(event.kind),
  });
  open.devices.push(device);
  return { device, errors, renewals };
}

const telemetryOf = (i: Ingest, id: string) => i.records.filter((r) => r.topic === `devices/${id}/telemetry`);
const serialIn = (home: string) => serialOf(new CredentialStore(new FileFlash(storeIn(home))).credentials.certificate);

describe("a fleet with identities apart from the image (Node bindings, mosquitto)", () => {
  it("two provisioned devices connect as two distinct devices (the broker names each CN), each confined to its own topics", async () => {
    const a = await provisioned("fleet-a");
    const b = await provisioned("fleet-b");
    const mosquitto = await broker();
    const backend = await ingest(mosquitto);
    const ia = identityIn(a.home);
    const ib = identityIn(b.home);
    expect([ia.deviceId, ib.deviceId]).toEqual(["fleet-a", "fleet-b"]); // from the certificates, not a build
    await start(ia, a.home, mosquitto);
    const deviceB = await start(ib, b.home, mosquitto);
    await backend.until(() => telemetryOf(backend, "fleet-a").length >= 2 && telemetryOf(backend, "fleet-b").length >= 2, "readings of both");
    expect(mosquitto.logs()).toMatch(/New client connected .* as fleet-a .*u'fleet-a'/);
    expect(mosquitto.logs()).toMatch(/New client connected .* as fleet-b .*u'fleet-b'/);

    // fleet-a's credentials, even under fleet-b's client id: its writes go only below devices/fleet-a/. The
    // device fleet-b goes first: reconnecting, it would take its client id back and end this connection.
    await deviceB.device.close();
    open.devices.splice(open.devices.indexOf(deviceB.device), 1);
    const h = makeClient({ port: mosquitto.port, secure: ia.tls, clientId: "fleet-b", protocolVersion: 5, reconnect: false });
    const refused: number[] = [];
    try {
      h.client.connect();
      await h.until(() => h.seen.connects.length === 1, "fleet-a's credentials connected");
      expect(await publishAsync(h.client, "devices/fleet-a/probe", "x", { qos: 1 })).toBeUndefined();
      const other = await publishAsync(h.client, "devices/fleet-b/telemetry", "x", { qos: 1 });
      expect(other).toBeInstanceOf(ClientError);
      refused.push((other as ClientError).reasonCode ?? 0);
      // mosquitto grants any subscription and applies the ACL to what it delivers: fleet-b's config, sent
      // first, never reaches fleet-a; fleet-a's own, sent after it, does.
      await subscribeAsync(h.client, [{ topicFilter: "devices/fleet-b/config", qos: 1 }, { topicFilter: "devices/fleet-a/config", qos: 1 }]);
      await backend.client.publishAsync("devices/fleet-b/config", "{}", { qos: 1 });
      await backend.client.publishAsync("devices/fleet-a/config", "{}", { qos: 1 });
      await h.until(() => h.seen.messages.length > 0, "fleet-a's own config");
      expect(h.seen.messages.map((m) => m.topic)).toEqual(["devices/fleet-a/config"]);
    } finally {
      h.client.close();
    }
    expect(refused).toEqual([0x87]); // PUBACK Not authorized, MQTT 5.0 section 3.4.2.1
    expect(mosquitto.logs()).toMatch(/u'fleet-a'/);
  }, 120_000);

  it("the renewal service certifies only the requesting device: another subject, another key's signature, or another device's topic gets nothing", async () => {
    const x = identityIn((await provisioned("fleet-x")).home);
    const y = identityIn((await provisioned("fleet-y")).home);
    const mosquitto = await broker();
    const service = await renewalService(mosquitto);
    const mine = x.store.credentials;
    const current = readCertificate(mine.certificate);
    const forY = certificationRequest(readCertificate(y.store.credentials.certificate).subject, current.publicKey, (info) => nodeSigner(mine.key, info));
    const signedByY = certificationRequest(current.subject, current.publicKey, (info) => nodeSigner(y.store.credentials.key, info));
    const h = makeClient({ port: mosquitto.port, secure: x.tls, clientId: "fleet-x", protocolVersion: 5, reconnect: false });
    try {
      h.client.connect();
      await h.until(() => h.seen.connects.length === 1, "fleet-x connected");
      await subscribeAsync(h.client, [{ topicFilter: "devices/fleet-x/cert/#", qos: 1 }]);
      expect(await publishAsync(h.client, "devices/fleet-x/cert/request", forY, { qos: 1 })).toBeUndefined();
      expect(await publishAsync(h.client, "devices/fleet-x/cert/request", signedByY, { qos: 1 })).toBeUndefined();
      // On fleet-y's topic the broker refuses it before any service sees it (PUBACK 0x87, MQTT 5.0 section 3.4.2.1).
      const asY = await publishAsync(h.client, "devices/fleet-y/cert/request", forY, { qos: 1 });
      expect((asY as ClientError).reasonCode).toBe(0x87);
      await h.until(() => h.seen.messages.length === 2, "two answers on fleet-x's own topics");
    } finally {
      h.client.close();
    }
    expect(h.seen.messages.map((m) => m.topic)).toEqual(["devices/fleet-x/cert/rejected", "devices/fleet-x/cert/rejected"]);
    expect(service.rejected.map((r) => r.deviceId)).toEqual(["fleet-x", "fleet-x"]);
    expect(service.rejected[0].reason).toMatch(/subject CN=fleet-y is not fleet-x/);
    expect(service.rejected[1].reason).toMatch(/signature does not verify/);
    expect(service.issued).toEqual([]);
  }, 120_000);

  it("renews a certificate within the margin in flight, loses no reading, then connects with the new one alone (the old one revoked)", async () => {
    const soon = await provisioned("fleet-soon", 10);
    const crl = join(dir, "soon-crl.pem");
    await crlListing(pki.ca.files, [], crl);
    const mosquitto = await broker(crl);
    const backend = await ingest(mosquitto);
    const service = await renewalService(mosquitto);
    const identity = identityIn(soon.home);
    const watched = await start(identity, soon.home, mosquitto);
    await service.issuedCount(1);
    await until(() => watched.renewals.includes("confirmed"), "the renewed certificate confirmed by a connection", 30_000);
    expect(watched.renewals).toEqual(["requested", "storing", "stored", "confirmed"]);
    expect(serialIn(soon.home)).toBe(service.issued[0].serial);
    expect(identity.store.onTrial).toBe(false);
    expect(identity.notAfter - Date.now()).toBeGreaterThan(800 * 86_400_000);
    // The status says so.
    await backend.until(() => backend.others.some((m) => m.topic === "devices/fleet-soon/status" && JSON.parse(m.payload).certificate?.renewals === 1), "a status with the renewal");

    // The old certificate is revoked and the broker restarted: the device connects all the same, so it is the
    // new one it shows.
    await crlListing(pki.ca.files, [soon.serial], crl);
    await mosquitto.restart();
    const seen = telemetryOf(backend, "fleet-soon").length;
    await backend.until(() => telemetryOf(backend, "fleet-soon").length > seen + 3, "readings after the restart with the old certificate revoked", 60_000);
    expect(watched.errors.filter((e) => e instanceof TlsError)).toEqual([]);
    const last = watched.device.snapshot().readings.lastSeq;
    await backend.until(() => checkSequence(telemetryOf(backend, "fleet-soon"), last).missing.length === 0, `every reading up to ${last}`);
    expect(checkSequence(telemetryOf(backend, "fleet-soon"), last).conflicting).toEqual([]);
  }, 120_000);

  it("a power cut during the renewal's write leaves a device that still connects, and renews at its next start", async () => {
    const cut = await provisioned("fleet-cut", 10);
    const mosquitto = await broker();
    const backend = await ingest(mosquitto);
    const service = await renewalService(mosquitto);
    // The power goes in the middle of the new record's body (past the erase of its first block).
    const flash = new FileFlash(storeIn(cut.home));
    flash.cutPower(4096 + 700);
    const first = await start(identityIn(cut.home, flash), cut.home, mosquitto);
    await service.issuedCount(1);
    await until(() => first.errors.some((e) => e instanceof PowerLossError), "the write cut short", 30_000);
    await first.device.close(); // the reset
    open.devices.splice(open.devices.indexOf(first.device), 1);
    expect(serialIn(cut.home)).toBe(cut.serial); // the old identity, whole

    const second = await start(identityIn(cut.home), cut.home, mosquitto);
    const before = telemetryOf(backend, "fleet-cut").length;
    await backend.until(() => telemetryOf(backend, "fleet-cut").length > before, "readings after the restart");
    await service.issuedCount(2);
    await until(() => second.renewals.includes("confirmed"), "the renewal at the next start", 30_000);
    expect(serialIn(cut.home)).not.toBe(cut.serial);
  }, 120_000);

  it("a revoked device is refused, a persistent TLS refusal (alert 44), while the others go on", async () => {
    const revoked = await provisioned("fleet-revoked");
    const other = await provisioned("fleet-ok");
    const crl = join(dir, "revoked-crl.pem");
    await crlListing(pki.ca.files, [revoked.serial], crl);
    const mosquitto = await broker(crl);
    const backend = await ingest(mosquitto);
    const bad = await start(identityIn(revoked.home), revoked.home, mosquitto);
    await start(identityIn(other.home), other.home, mosquitto);
    await until(() => bad.errors.some((e) => e instanceof PersistentFailureError), "the persistent refusal", 60_000);
    const refusals = bad.errors.filter((e): e is TlsError => e instanceof TlsError);
    expect(refusals.length).toBeGreaterThanOrEqual(3);
    expect(refusals.every((e) => e.code === "certificate-revoked" && e.alert === 44)).toBe(true);
    await backend.until(() => telemetryOf(backend, "fleet-ok").length >= 3, "the other device's readings");
    expect(telemetryOf(backend, "fleet-revoked")).toEqual([]);
    expect(bad.device.snapshot().outbox).toBeGreaterThan(0); // it keeps recording
  }, 120_000);
});

