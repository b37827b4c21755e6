// Certificates for tests: the dev PKI (certs/dev-pki.ts) plus the odd certificates the TLS negative
// matrix needs, generated once into a shared temp directory and reused across test files and runs.
//
//   const pki = await ensureDevPki();
//   pki.device.certDer / pki.device.keyDer      // ArrayBuffers for the firmware's TlsOptions
//   pki.deviceTls("wearable-002")              // ready TlsOptions (CA, client chain, PKCS#8 key), DER
//   startMosquitto({ tls: pki.brokerTls })      // broker with the dev CA and the good server cert
//   startMosquitto({ tls: pki.serverTls("expiredServer") })   // same broker, an odd server certificate
//   mqtt.connectAsync(url, { ...pki.ingestTls, reconnectPeriod: 0 })   // MQTT.js as the backend (ingest)
//
// Generation is serialised by a lock directory, so vitest workers running files in parallel wait for
// the first one and then read the same files. Everything is idempotent (see certs/pki.ts).

import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevPki as ensureDevFiles } from "../certs/dev-pki.js";
import { ensureCa, ensureLeaf, withDirLock, type CertFiles } from "../certs/pki.js";
import type { TlsOptions } from "../firmware/platform/ports.js";
import type { BrokerTlsFiles } from "./mosquitto.js";

export const DEVICE_ID = "wearable-001";
export const OTHER_DEVICE_ID = "wearable-002";
/** Server certificates carry these SANs unless the odd one says otherwise. */
export const SERVER_NAMES = ["localhost", "127.0.0.1"];

export interface Identity {
  files: CertFiles;
  certPem: string;
  keyPem: string;
  certDer: ArrayBuffer;
  keyDer: ArrayBuffer;
}

/** The odd certificates, each wrong in exactly one way. */
export interface OddIdentities {
  /** A second, unrelated root CA. */
  otherCa: Identity;
  /** Server certificate for localhost from the other CA (the device sees an unknown CA). */
  otherCaServer: Identity;
  /** Client certificate (CN wearable-001, RSA) from the other CA (the broker sees an unknown CA). */
  otherCaDevice: Identity;
  /** An impostor root CA: the dev CA's exact subject DN, but its own key (so its own Subject Key Identifier). */
  impostorCa: Identity;
  /** Server certificate for localhost from the impostor CA: its issuer DN names the dev CA, its signature does not. */
  impostorCaServer: Identity;
  /** Self-signed server certificate with the right SANs. */
  selfSignedServer: Identity;
  /** Dev-CA server certificate whose SAN is only other.example. */
  wrongHostServer: Identity;
  /** Dev-CA server certificate with CN=localhost and no SAN at all (the device has no CN fallback). */
  cnOnlyServer: Identity;
  /** Dev-CA server certificate for *.broker.test (one wildcard label) and 127.0.0.1. */
  wildcardServer: Identity;
  /** Dev-CA server certificate that expired a year ago. */
  expiredServer: Identity;
  /** A root CA valid from ten years ago, and a server certificate from it that expired a year ago: with a
   *  device clock inside that certificate's validity the chain is fine (Node's clock says expired). */
  backdatedCa: Identity;
  backdatedExpiredServer: Identity;
  /** Dev-CA server certificate valid only from a year from now. */
  notYetValidServer: Identity;
  /** Dev-CA server certificate with a P-256 ECDSA key. */
  ecdsaServer: Identity;
  /** Dev-CA client certificate (CN wearable-001) with a P-256 ECDSA key: the device cannot sign with it. */
  ecdsaDevice: Identity;
}

export interface TestPki {
  dir: string;
  ca: Identity;
  broker: Identity;
  ingest: Identity;
  /** The renewal service's identity (CN renewal). */
  renewal: Identity;
  /** The dev CA's revocation list (PEM file). */
  crl: string;
  /** The default device (DEVICE_ID). */
  device: Identity;
  devices: Record<string, Identity>;
  odd: OddIdentities;
  /** Broker TLS files: the dev CA for client certificates, the good broker certificate. */
  brokerTls: BrokerTlsFiles;
  /** Broker TLS files with one of the odd server certificates (client certificates still checked against the dev CA). */
  serverTls(odd: keyof OddIdentities): BrokerTlsFiles;
  /** Device TlsOptions (DER) as the firmware passes them to its socket. */
  deviceTls(id?: string): TlsOptions;
  /** Node TLS options (PEM) for MQTT.js connecting as the backend (ingest identity) to a broker on localhost. */
  ingestTls: IngestTls;
  /** The same for the renewal service (host-sim/renewal-service.ts). */
  renewalTls: IngestTls;
}

export interface IngestTls {
  ca: string;
  cert: string;
  key: string;
  servername: string;
}

/** Shared across workers and runs of this user; reused while still valid (certs/pki.ts checks). */
export const TEST_PKI_DIR = join(tmpdir(), `wearable-mqtt-test-pki-${process.getuid?.() ?? "user"}`);

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export async function loadIdentity(files: CertFiles): Promise<Identity> {
  const [certPem, keyPem, certDer, keyDer] = await Promise.all([
    readFile(files.certPem, "utf8"),
    readFile(files.keyPem, "utf8"),
    readFile(files.certDer),
    readFile(files.keyDer),
  ]);
  return { files, certPem, keyPem, certDer: arrayBuffer(certDer), keyDer: arrayBuffer(keyDer) };
}

async function ensureOdd(dir: string, ca: CertFiles): Promise<Record<keyof OddIdentities, CertFiles>> {
  return withDirLock(join(dir, "odd"), async () => {
    const oddDir = join(dir, "odd");
    const otherCa = (await ensureCa(oddDir, "other-ca", "Some Other Root CA")).files;
    const server = { usage: "server" as const, cn: "mqtt-broker", san: SERVER_NAMES };
    const leaf = async (spec: Parameters<typeof ensureLeaf>[1]): Promise<CertFiles> =>
      (await ensureLeaf(oddDir, spec)).files;
    // Same subject as the dev CA, read from it so the two cannot drift apart (ensureCa issues /CN=<cn>).
    const devCaCn = new X509Certificate(await readFile(ca.certPem)).subject.replace(/^CN=/, "");
    const impostorCa = (await ensureCa(oddDir, "impostor-ca", devCaCn)).files;
    const backdatedCa = (await ensureCa(oddDir, "backdated-ca", "Backdated Root CA", { notBeforeDays: -3650, notAfterDays: 3650 })).files;
    return {
      otherCa,
      backdatedCa,
      backdatedExpiredServer: await leaf({ ...server, name: "backdated-expired-server", issuer: backdatedCa, notBeforeDays: -730, notAfterDays: -365 }),
      otherCaServer: await leaf({ ...server, name: "other-ca-server", issuer: otherCa }),
      impostorCa,
      impostorCaServer: await leaf({ ...server, name: "impostor-ca-server", issuer: impostorCa }),
      otherCaDevice: await leaf({ name: "other-ca-device", issuer: otherCa, cn: DEVICE_ID, usage: "client" }),
      selfSignedServer: await leaf({ ...server, name: "self-signed-server", issuer: "self" }),
      wrongHostServer: await leaf({ ...server, name: "wrong-host-server", issuer: ca, san: ["other.example"] }),
      cnOnlyServer: await leaf({ ...server, name: "cn-only-server", issuer: ca, cn: "localhost", san: [] }),
      wildcardServer: await leaf({ ...server, name: "wildcard-server", issuer: ca, san: ["*.broker.test", "127.0.0.1"] }),
      expiredServer: await leaf({ ...server, name: "expired-server", issuer: ca, notBeforeDays: -730, notAfterDays: -365 }),
      notYetValidServer: await leaf({ ...server, name: "not-yet-valid-server", issuer: ca, notBeforeDays: 365, notAfterDays: 730 }),
      ecdsaServer: await leaf({ ...server, name: "ecdsa-server", issuer: ca, keyType: "ec" }),
      ecdsaDevice: await leaf({ name: "ecdsa-device", issuer: ca, cn: DEVICE_ID, usage: "client", keyType: "ec" }),
    };
  });
}

async function build(dir: string): Promise<TestPki> {
  const dev = await ensureDevFiles({ out: dir, devices: [DEVICE_ID, OTHER_DEVICE_ID] });
  const oddFiles = await ensureOdd(dir, dev.ca);
  const odd = Object.fromEntries(
    await Promise.all(Object.entries(oddFiles).map(async ([k, f]) => [k, await loadIdentity(f)] as const)),
  ) as unknown as OddIdentities;
  const devices: Record<string, Identity> = {};
  for (const [id, files] of Object.entries(dev.devices)) devices[id] = await loadIdentity(files);
  const ca = await loadIdentity(dev.ca);
  const brokerTls: BrokerTlsFiles = { cafile: dev.ca.certPem, certfile: dev.broker.certPem, keyfile: dev.broker.keyPem, crlfile: dev.crl };
  const ingest = await loadIdentity(dev.ingest);
  const renewal = await loadIdentity(dev.renewal);
  return {
    dir,
    ca,
    broker: await loadIdentity(dev.broker),
    ingest,
    renewal,
    crl: dev.crl,
    device: devices[DEVICE_ID],
    devices,
    odd,
    brokerTls,
    serverTls: (name) => ({ cafile: dev.ca.certPem, certfile: odd[name].files.certPem, keyfile: odd[name].files.keyPem, crlfile: dev.crl }),
    deviceTls(id = DEVICE_ID) {
      const device = devices[id];
      if (!device) throw new Error(`no test certificate for device ${id}`);
      return { certificate: ca.certDer, clientCertificates: [device.certDer], clientKey: device.keyDer };
    },
    ingestTls: { ca: ca.certPem, cert: ingest.certPem, key: ingest.keyPem, servername: "localhost" },
    renewalTls: { ca: ca.certPem, cert: renewal.certPem, key: renewal.keyPem, servername: "localhost" },
  };
}

let cached: Promise<TestPki> | undefined;

/** The test PKI, generated on first use in this process (and by whichever worker gets the lock first). */
export function ensureDevPki(dir: string = TEST_PKI_DIR): Promise<TestPki> {
  if (dir !== TEST_PKI_DIR) return build(dir);
  cached ??= build(dir);
  return cached;
}
