// Where the TLS material comes from: the files given on the command line (PEM or DER), else the dev PKI
// (certs/dev-pki.ts), generated on first use. The device gets DER, as on the real thing (docs/device.md,
// "Certificates as resources"). Key material is only read and handed on, never printed.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { ensureDevPki, type DevPki } from "../../certs/dev-pki.js";
import type { TlsOptions } from "../../firmware/platform/ports.js";
import { UsageError } from "./options.js";

export interface CredentialRequest {
  ca?: string;
  cert?: string;
  key?: string;
  certsDir: string;
  deviceIds: string[];
  /** The embedded broker needs the dev PKI's broker certificate. */
  embedded: boolean;
}

export interface Credentials {
  /** Per device id. */
  device(id: string): TlsOptions;
  /** PEM for the embedded broker (present when it was asked for). */
  broker?: { ca: string; cert: string; key: string };
  /** Dev PKI files issued by this run (names only), for a note on screen. */
  issued: string[];
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

export async function resolveCredentials(request: CredentialRequest): Promise<Credentials> {
  const needDevPki = request.embedded || request.ca === undefined || request.cert === undefined;
  let pki: DevPki | undefined;
  if (needDevPki) {
    try {
      pki = await ensureDevPki({ out: request.certsDir, devices: request.deviceIds });
    } catch (error) {
      throw new UsageError(`dev certificates in ${request.certsDir}: ${(error as Error).message}`);
    }
  }
  const ca = loadCertificates(request.ca ?? pki!.ca.certPem, "--ca");
  const explicit = request.cert !== undefined && request.key !== undefined
    ? { cert: loadCertificates(request.cert, "--cert"), key: loadPrivateKey(request.key, "--key") }
    : undefined;
  const devices = new Map<string, TlsOptions>();
  for (const id of request.deviceIds) {
    const files = pki?.devices[id];
    const chain = explicit ? explicit.cert : loadCertificates(files!.certDer, "device certificate");
    const key = explicit ? explicit.key : loadPrivateKey(files!.keyDer, "device key");
    devices.set(id, { certificate: ca.length === 1 ? ca[0] : ca, clientCertificates: chain, clientKey: key });
  }
  return {
    device: (id) => devices.get(id)!,
    broker: request.embedded && pki
      ? { ca: read(pki.ca.certPem, "CA").toString("utf8"), cert: read(pki.broker.certPem, "broker certificate").toString("utf8"), key: read(pki.broker.keyPem, "broker key").toString("utf8") }
      : undefined,
    issued: pki?.issued ?? [],
    devPki: pki,
  };
}
