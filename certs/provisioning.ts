// Provisioning: a device's identity (its RSA key, its certificate, the CA certificates it trusts) written
// in the device's own format, the image of its credentials store (firmware/identity/credential-store.ts):
// for the Moddable simulator into a HOME (flash/identity.bin, which its flash reads), for the host
// simulator into the same file under its data directory, for an ESP32 as a file that esptool writes to the
// `identity` partition (firmware/platform/moddable/esp32/partitions.csv). Used by `npm run provision`
// (certs/provision.ts), `npm start` and the tests.
//
//   await provision({ deviceId: "wearable-007", pkiDir: "certs/out", home: "/tmp/sim-home" })   // dev CA signs
//   await requestFor("wearable-007", "/secure/factory")      // a key and a CSR for a real CA...
//   await provision({ deviceId: "wearable-007", key, certificate, authorities: [root], image: "id.bin" })  // ...and back
import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { partitionImage, type Credentials } from "../firmware/identity/credential-store.js";
import { IDENTITY_PARTITION } from "../firmware/identity/open-identity.js";
import { parsePartitions } from "../host-sim/mcsim/partitions.js";
import { checkDeviceId, ensureDevPki } from "./dev-pki.js";
import { openssl } from "./openssl.js";
import { ensureLeaf } from "./pki.js";

const PARTITIONS_CSV = resolve(import.meta.dirname, "../firmware/platform/moddable/esp32/partitions.csv");

/** Where the identity partition is on the esp32 flash, and its size (the partition table says). */
export function identityPartition(): { offset: number; size: number } {
  const found = parsePartitions(readFileSync(PARTITIONS_CSV, "utf8")).find((p) => p.name === IDENTITY_PARTITION);
  if (!found) throw new Error(`no ${IDENTITY_PARTITION} partition in ${PARTITIONS_CSV}`);
  return { offset: found.offset, size: found.size };
}

/** The credentials store of a simulator HOME (mcsim's flash, firmware/platform/moddable/lin/flash-file.c;
 *  the host simulator's too, host-sim/platform/file-flash.ts). */
export function storeIn(home: string): string {
  return join(home, "flash", `${IDENTITY_PARTITION}.bin`);
}

export interface ProvisionRequest {
  deviceId: string;
  /** Write the store into this simulator HOME (flash/identity.bin). */
  home?: string;
  /** Write the store as this image file, for the esp32's identity partition. */
  image?: string;
  /** The dev PKI that signs (default certs/out) when no certificate is given. */
  pkiDir?: string;
  /** Days the dev CA's certificate is valid (default 825); a short one is renewed over MQTT. */
  notAfterDays?: number;
  /** A key and a certificate made elsewhere (PEM or DER): a real CA's answer to requestFor(). */
  key?: string;
  certificate?: string;
  /** CA certificate files (PEM, one or more each, or DER) the device trusts: the roots the broker's chain
   *  may lead to. With the dev PKI they come after its CA. */
  authorities?: string[];
}

export interface Provisioned {
  /** The file written. */
  path: string;
  deviceId: string;
  serial: string;
  notAfter: Date;
  /** For an image: the esp32 partition's offset, for esptool. */
  offset?: number;
}

function certificates(path: string): Uint8Array[] {
  const bytes = readFileSync(path);
  const text = bytes.toString("latin1");
  const pems = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
  try {
    return pems ? pems.map((p) => new Uint8Array(new X509Certificate(p).raw)) : [new Uint8Array(new X509Certificate(bytes).raw)];
  } catch {
    throw new Error(`${path}: not an X.509 certificate (PEM or DER)`);
  }
}

function pkcs8(path: string): Uint8Array {
  const bytes = readFileSync(path);
  try {
    const key = bytes.toString("latin1").includes("-----BEGIN") ? createPrivateKey(bytes) : createPrivateKey({ key: bytes, format: "der", type: "pkcs8" });
    if (key.asymmetricKeyType !== "rsa") throw new Error("not RSA");
    return new Uint8Array(key.export({ type: "pkcs8", format: "der" }));
  } catch {
    // Never echo a key file's content.
    throw new Error(`${path}: not an unencrypted RSA private key (PEM, or PKCS#8 DER): the device signs with RSA only`);
  }
}

/** The device's credentials from the request: checked (the key is the certificate's, its CN is the id). */
async function credentialsOf(request: ProvisionRequest): Promise<Credentials> {
  checkDeviceId(request.deviceId);
  const extra = (request.authorities ?? []).flatMap(certificates);
  if (request.key !== undefined || request.certificate !== undefined) {
    if (request.key === undefined || request.certificate === undefined) throw new Error("a certificate made elsewhere needs its key too (--key and --cert)");
    if (extra.length === 0) throw new Error("say which CA certificates the device trusts (--ca): the root(s) of the broker's chain");
    const [certificate, ...chain] = certificates(request.certificate);
    return { key: pkcs8(request.key), certificate, chain, authorities: extra };
  }
  const pkiDir = request.pkiDir ?? "certs/out";
  const pki = await ensureDevPki({ out: pkiDir, devices: [] });
  const files = (await ensureLeaf(pkiDir, { name: `device-${request.deviceId}`, issuer: pki.ca, cn: request.deviceId, usage: "client", notAfterDays: request.notAfterDays })).files;
  return {
    key: new Uint8Array(await readFile(files.keyDer)),
    certificate: new Uint8Array(await readFile(files.certDer)),
    chain: [],
    authorities: [new Uint8Array(await readFile(pki.ca.certDer)), ...extra],
  };
}

export async function provision(request: ProvisionRequest): Promise<Provisioned> {
  if ((request.home === undefined) === (request.image === undefined)) throw new Error("say where: a simulator HOME (--home) or an esp32 image (--image)");
  const credentials = await credentialsOf(request);
  const certificate = new X509Certificate(credentials.certificate);
  const key = createPrivateKey({ key: Buffer.from(credentials.key), format: "der", type: "pkcs8" });
  if (!certificate.checkPrivateKey(key)) throw new Error("the certificate is not for this key");
  if (certificate.subject !== `CN=${request.deviceId}`) throw new Error(`the certificate's subject is ${certificate.subject}, not CN=${request.deviceId}: the device id comes from it`);
  const partition = identityPartition();
  const path = request.image ?? storeIn(request.home!);
  await mkdir(dirname(path), { recursive: true });
  // The image holds the private key: readable by its owner only.
  await writeFile(path, partitionImage(credentials, partition.size), { mode: 0o600 });
  await chmod(path, 0o600);
  return { path, deviceId: request.deviceId, serial: certificate.serialNumber, notAfter: new Date(certificate.validTo), ...(request.image ? { offset: partition.offset } : {}) };
}

/** A new RSA 2048 key and a certification request (CN = the device id) for a real CA, in `dir`. */
export async function requestFor(deviceId: string, dir: string): Promise<{ key: string; csr: string }> {
  checkDeviceId(deviceId);
  await mkdir(dir, { recursive: true });
  const key = join(dir, `${deviceId}-key.pem`);
  const csr = join(dir, `${deviceId}.csr`);
  await openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key]);
  await chmod(key, 0o600);
  await openssl(["req", "-new", "-key", key, "-subj", `/CN=${deviceId}`, "-out", csr]);
  return { key, csr };
}
