// Where each simulated device's identity comes from: its credentials store, a partition image in its data
// directory (<data>/<id>/flash/identity.bin, the same file format as the board's identity partition and the
// Moddable simulator's flash, certs/provisioning.ts), opened as the firmware opens it. A device without one
// is provisioned with the dev PKI (certs/dev-pki.ts, generated on first use); with --cert and --key its store
// is written from those files. Key material is only read and handed on, never printed.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureDevPki, type DevPki } from "../../certs/dev-pki.js";
import { provision, storeIn } from "../../certs/provisioning.js";
import type { DeviceIdentity } from "../../firmware/identity/device-identity.js";
import { openIdentity } from "../../firmware/identity/open-identity.js";
import { FileFlash } from "../platform/file-flash.js";
import { UsageError } from "./options.js";

export interface CredentialRequest {
  ca?: string;
  cert?: string;
  key?: string;
  certsDir: string;
  deviceIds: string[];
  /** Each device's store goes in <dataDir>/<id>. */
  dataDir: string;
  /** Validity of dev certificates provisioned now (default 825 days). */
  certDays?: number;
  /** The embedded broker needs the dev PKI's broker certificate. */
  embedded: boolean;
}

export interface Credentials {
  /** Per device id: its identity, from its credentials store. */
  identity(id: string): DeviceIdentity;
  /** PEM for the embedded broker, and the CRL it refuses revoked devices by (present when it was asked for). */
  broker?: { ca: string; cert: string; key: string; crl: string };
  /** Dev PKI files issued by this run (names only), for a note on screen. */
  issued: string[];
  /** Credentials stores written by this run (their files). */
  provisioned: string[];
  /** The dev PKI directory when it was used. */
  devPki?: DevPki;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${what} ${path}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message}`);
  }
}

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** Certificates from a PEM (one or more) or DER file, each as DER. */
export function loadCertificates(path: string, what: string): ArrayBuffer[] {
  const bytes = read(path, what);
  const text = bytes.toString("latin1");
  const pems = text.match(PEM_CERT);
  try {
    if (pems) return pems.map((pem) => arrayBuffer(new X509Certificate(pem).raw));
    return [arrayBuffer(new X509Certificate(bytes).raw)];
  } catch {
    throw new UsageError(`${what} ${path}: not an X.509 certificate (PEM or DER)`);
  }
}

/** A private key from PEM or DER (PKCS#8 or traditional), as PKCS#8 DER. */
export function loadPrivateKey(path: string, what: string): ArrayBuffer {
  const bytes = read(path, what);
  try {
    const pem = bytes.toString("latin1").includes("-----BEGIN");
    const key = pem ? createPrivateKey(bytes) : createPrivateKey({ key: bytes, format: "der", type: "pkcs8" });
    return arrayBuffer(key.export({ type: "pkcs8", format: "der" }));
  } catch {
    // Never echo the file's content: it is a key.
    throw new UsageError(`${what} ${path}: not an unencrypted private key (PEM, or PKCS#8 DER)`);
  }
}

/** The identity in a store, or undefined when the store is missing or empty. */
function open(path: string): DeviceIdentity | undefined {
  return openIdentity(existsSync(path) ? new FileFlash(path) : undefined);
}

/** Whether a store's identity still works with the dev PKI: it trusts the dev CA, the dev CA signed its
 *  certificate, and that certificate has not expired (renewal cannot bring an expired one back). */
function worksWith(identity: DeviceIdentity, pki: DevPki): boolean {
  const ca = new X509Certificate(readFileSync(pki.ca.certPem));
  const credentials = identity.store.credentials;
  const trusted = credentials.authorities.some((a) => Buffer.from(a).equals(ca.raw));
  const certificate = new X509Certificate(credentials.certificate);
  return trusted && certificate.verify(ca.publicKey) && identity.notAfter > Date.now();
}

export async function resolveCredentials(request: CredentialRequest): Promise<Credentials> {
  const explicit = request.cert !== undefined && request.key !== undefined;
  const needDevPki = request.embedded || !explicit || request.ca === undefined;
  let pki: DevPki | undefined;
  if (needDevPki) {
    try {
      pki = await ensureDevPki({ out: request.certsDir, devices: [] });
    } catch (error) {
      throw new UsageError(`dev certificates in ${request.certsDir}: ${(error as Error).message}`);
    }
  }
  // The files given are checked here, for a clear error naming the flag.
  if (request.ca !== undefined) loadCertificates(request.ca, "--ca");
  if (explicit) {
    loadCertificates(request.cert!, "--cert");
    loadPrivateKey(request.key!, "--key");
  }
  const provisioned: string[] = [];
  const identities = new Map<string, DeviceIdentity>();
  for (const id of request.deviceIds) {
    const home = join(request.dataDir, id);
    let identity = explicit ? undefined : open(storeIn(home));
    if (identity && identity.deviceId !== id) throw new UsageError(`${storeIn(home)} holds the identity of ${identity.deviceId}, not ${id}`);
    if (!identity || (pki && !explicit && !worksWith(identity, pki))) {
      try {
        await provision({
          deviceId: id,
          home,
          pkiDir: request.certsDir,
          ...(request.certDays !== undefined ? { notAfterDays: request.certDays } : {}),
          ...(explicit ? { key: request.key!, certificate: request.cert! } : {}),
          // Given files trust --ca (default the dev CA); dev credentials trust the dev CA, and --ca besides.
          authorities: request.ca !== undefined ? [request.ca] : explicit ? [pki!.ca.certPem] : [],
        });
      } catch (error) {
        throw new UsageError(`credentials of ${id}: ${(error as Error).message}`);
      }
      provisioned.push(storeIn(home));
      identity = open(storeIn(home))!;
    }
    identities.set(id, identity);
  }
  return {
    identity: (id) => identities.get(id)!,
    broker: request.embedded && pki
      ? { ca: read(pki.ca.certPem, "CA").toString("utf8"), cert: read(pki.broker.certPem, "broker certificate").toString("utf8"), key: read(pki.broker.keyPem, "broker key").toString("utf8"), crl: read(pki.crl, "CRL").toString("utf8") }
      : undefined,
    issued: pki?.issued ?? [],
    provisioned,
    devPki: pki,
  };
}
