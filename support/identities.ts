// Device identities for tests: a device's credentials from the test PKI as the store holds them, a
// provisioned credentials store (in memory or in a simulator HOME), and certificates the dev CA issues
// for a key, as the renewal service would.
import { X509Certificate } from "node:crypto";
import { partitionImage, type Credentials } from "../firmware/identity/credential-store.js";
import { readCertificate } from "../firmware/identity/certificate.js";
import { certificationRequest } from "../firmware/identity/csr.js";
import { signClientRequest } from "../certs/pki.js";
import { provision } from "../certs/provisioning.js";
import { BLOCK_SIZE, FileFlash } from "../host-sim/platform/file-flash.js";
import { nodeSigner } from "../host-sim/platform/node-signer.js";
import type { Identity, TestPki } from "./certs.js";

/** The identity partition's size on esp32 (firmware/platform/moddable/esp32/partitions.csv). */
export const PARTITION_SIZE = 16 * BLOCK_SIZE;

export function credentialsOf(pki: TestPki, identity: Identity, authorities: Uint8Array[] = [new Uint8Array(pki.ca.certDer)]): Credentials {
  return { key: new Uint8Array(identity.keyDer), certificate: new Uint8Array(identity.certDer), chain: [], authorities };
}

/** A flash partition in memory, provisioned with `credentials`. */
export function provisionedFlash(credentials: Credentials): FileFlash {
  return new FileFlash(partitionImage(credentials, PARTITION_SIZE));
}

/** A certificate from the test PKI's CA for the key and subject of `certificate` (and of `key`), valid
 *  for `days`: what the renewal service answers. */
export async function reissue(pki: TestPki, certificate: Uint8Array, key: Uint8Array, days: number): Promise<Uint8Array> {
  const fields = readCertificate(certificate);
  const request = certificationRequest(fields.subject, fields.publicKey, (info) => nodeSigner(key, info));
  return (await signClientRequest(pki.ca.files, request, days)).der;
}

export function serialOf(der: Uint8Array): string {
  return new X509Certificate(der).serialNumber;
}

/** `home` provisioned with `deviceId`'s identity, its certificate from the test PKI's CA valid for `days` (or
 *  provisioning's default): a device's simulator or host HOME. */
export async function provisionedHome(pki: TestPki, deviceId: string, home: string, days?: number): Promise<{ home: string; serial: string }> {
  const done = await provision({ deviceId, home, pkiDir: pki.dir, ...(days !== undefined ? { notAfterDays: days } : {}) });
  return { home, serial: done.serial };
}
