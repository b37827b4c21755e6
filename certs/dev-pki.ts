// The project's dev PKI layout: one root CA, the broker's server certificate, one client certificate
// per device (CN = device id), one for the ingest service that reads all devices' telemetry, one for the
// renewal service that signs the devices' renewed certificates, and the CA's revocation list (a CRL the
// broker checks client certificates against). Shared by `npm run certs` (certs/generate.ts), provisioning
// (certs/provision.ts) and the tests (support/certs.ts).

import { ensureCa, ensureLeaf, withDirLock, type CertFiles } from "./pki.js";
import { ensureCrl } from "./revocation.js";

export const DEFAULT_DEVICE_ID = "wearable-001";
/** Client certificate CN of the back-end subscriber; the ACL gives it read access to devices/+/#. */
export const INGEST_IDENTITY = "ingest";
/** Client certificate CN of the renewal service; the ACL lets it read devices/+/cert/request and answer on
 *  devices/+/cert/issued and devices/+/cert/rejected. */
export const RENEWAL_IDENTITY = "renewal";
/** The broker certificate always covers these; more come from --host. */
export const BASE_BROKER_HOSTS = ["localhost", "127.0.0.1"];

export interface DevPkiOptions {
  out: string;
  hosts?: string[];
  devices?: string[];
}

export interface DevPki {
  dir: string;
  ca: CertFiles;
  broker: CertFiles;
  ingest: CertFiles;
  renewal: CertFiles;
  /** The CA's revocation list (PEM), for the broker's `crlfile`. */
  crl: string;
  devices: Record<string, CertFiles>;
  /** Names of the files (re)issued by this call; empty when everything was reused. */
  issued: string[];
}

/**
 * A device id becomes a certificate CN and, through `use_identity_as_username`, the topic level the ACL
 * grants (`devices/<id>/#`): it must not contain MQTT wildcards, a level separator or spaces.
 */
export function checkDeviceId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) {
    throw new Error(`device id "${id}": use 1-64 of A-Z a-z 0-9 . _ - (it becomes a CN and a topic level)`);
  }
  if (id === INGEST_IDENTITY || id === RENEWAL_IDENTITY) throw new Error(`device id "${id}" is reserved for the ${id} service`);
}

export async function ensureDevPki(options: DevPkiOptions): Promise<DevPki> {
  const hosts = [...new Set([...BASE_BROKER_HOSTS, ...(options.hosts ?? [])])];
  const deviceIds = [...new Set(options.devices ?? [DEFAULT_DEVICE_ID])];
  deviceIds.forEach(checkDeviceId);
  const dir = options.out;
  return withDirLock(dir, async () => {
    const issued: string[] = [];
    const note = <T extends { files: CertFiles; issued: boolean }>(r: T): CertFiles => {
      if (r.issued) issued.push(r.files.name);
      return r.files;
    };
    const ca = note(await ensureCa(dir, "ca", "Wearable Dev Root CA"));
    const broker = note(
      await ensureLeaf(dir, { name: "broker", issuer: ca, cn: "mqtt-broker", usage: "server", san: hosts }),
    );
    const ingest = note(
      await ensureLeaf(dir, { name: "ingest", issuer: ca, cn: INGEST_IDENTITY, usage: "client" }),
    );
    const renewal = note(
      await ensureLeaf(dir, { name: "renewal", issuer: ca, cn: RENEWAL_IDENTITY, usage: "client" }),
    );
    const devices: Record<string, CertFiles> = {};
    for (const id of deviceIds) {
      devices[id] = note(await ensureLeaf(dir, { name: `device-${id}`, issuer: ca, cn: id, usage: "client" }));
    }
    const crl = await ensureCrl(ca);
    return { dir, ca, broker, ingest, renewal, crl, devices, issued };
  });
}
