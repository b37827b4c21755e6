// Identities of the simulated devices: credentials stores in their data directories, provisioned with the dev
// PKI by default or from PEM or DER files; keys never echoed.
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCertificates, loadPrivateKey, resolveCredentials } from "../../host-sim/cli/credentials.js";
import { UsageError } from "../../host-sim/cli/options.js";
import { storeIn } from "../../certs/provisioning.js";
import { DEVICE_ID, OTHER_DEVICE_ID, ensureDevPki, type TestPki } from "../../support/certs.js";

let pki: TestPki;
let dir: string;
beforeAll(async () => {
  pki = await ensureDevPki();
  dir = mkdtempSync(join(tmpdir(), "cli-credentials-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString("hex");

describe("credentials", () => {
  it("reads certificates and keys from PEM or DER into the DER the device uses", () => {
    const [fromPem] = loadCertificates(pki.device.files.certPem, "--cert");
    const [fromDer] = loadCertificates(pki.device.files.certDer, "--cert");
    expect(bytes(fromPem)).toBe(bytes(pki.device.certDer));
    expect(bytes(fromDer)).toBe(bytes(pki.device.certDer));
    expect(bytes(loadPrivateKey(pki.device.files.keyPem, "--key"))).toBe(bytes(pki.device.keyDer));
    expect(bytes(loadPrivateKey(pki.device.files.keyDer, "--key"))).toBe(bytes(pki.device.keyDer));
  });

  it("takes every certificate of a PEM bundle as a trusted CA", () => {
    const bundle = join(dir, "bundle.pem");
    writeFileSync(bundle, pki.ca.certPem + pki.odd.otherCa.certPem);
    expect(loadCertificates(bundle, "--ca").map(bytes)).toEqual([bytes(pki.ca.certDer), bytes(pki.odd.otherCa.certDer)]);
  });

  it("refuses a file that is not a key without repeating its content", () => {
    const bad = join(dir, "bad-key.pem");
    const label = "PRIVATE KEY"; // spelled apart so no tracked file looks like it holds a key
    writeFileSync(bad, `-----BEGIN ${label}-----\nTOPSECRETNOTAKEY\n-----END ${label}-----\n`);
    let message = "";
    try {
      loadPrivateKey(bad, "--key");
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/--key .*bad-key\.pem: not an unencrypted private key/);
    expect(message).not.toContain("TOPSECRET");
    expect(() => loadCertificates(join(dir, "missing.pem"), "--ca")).toThrow(/--ca .*missing\.pem: no such file/);
  });

  it("provisions each device's credentials store with the dev PKI once, and opens it as the firmware does", async () => {
    const data = join(dir, "data-dev");
    const request = { certsDir: pki.dir, deviceIds: [DEVICE_ID, OTHER_DEVICE_ID], dataDir: data, embedded: true };
    const credentials = await resolveCredentials(request);
    expect(credentials.issued).toEqual([]); // the dev PKI had everything already
    expect(credentials.provisioned).toEqual([storeIn(join(data, DEVICE_ID)), storeIn(join(data, OTHER_DEVICE_ID))]);
    const one = credentials.identity(DEVICE_ID);
    const two = credentials.identity(OTHER_DEVICE_ID);
    expect([one.deviceId, two.deviceId]).toEqual([DEVICE_ID, OTHER_DEVICE_ID]); // from each certificate's CN
    expect(one.store.provisioned && existsSync(storeIn(join(data, DEVICE_ID)))).toBe(true);
    expect(new X509Certificate(one.tls.clientCertificates![0] as Uint8Array).subject).toBe(`CN=${DEVICE_ID}`);
    expect(bytes(one.tls.certificate as Uint8Array)).toBe(bytes(pki.ca.certDer));
    expect(credentials.broker?.cert).toBe(pki.broker.certPem);
    expect(credentials.broker?.crl).toBe(readFileSync(pki.crl, "utf8"));
    // The next run opens the same stores (a renewed certificate in them is kept).
    const again = await resolveCredentials(request);
    expect(again.provisioned).toEqual([]);
    expect(bytes(again.identity(DEVICE_ID).tls.clientCertificates![0])).toBe(bytes(one.tls.clientCertificates![0]));
  });

  it("writes the given files into the store for an external broker", async () => {
    const data = join(dir, "data-given");
    const credentials = await resolveCredentials({
      ca: pki.odd.otherCa.files.certPem, cert: pki.device.files.certPem, key: pki.device.files.keyPem,
      certsDir: join(dir, "unused"), deviceIds: [DEVICE_ID], dataDir: data, embedded: false,
    });
    expect(credentials.devPki).toBeUndefined(); // nothing generated
    const tls = credentials.identity(DEVICE_ID).tls;
    expect(bytes(tls.certificate as Uint8Array)).toBe(bytes(pki.odd.otherCa.certDer));
    expect(bytes(tls.clientCertificates![0])).toBe(bytes(pki.device.certDer));
    expect(credentials.broker).toBeUndefined();
  });

  it("refuses a certificate that does not name the device", async () => {
    await expect(resolveCredentials({
      ca: pki.ca.files.certPem, cert: pki.device.files.certPem, key: pki.device.files.keyPem,
      certsDir: join(dir, "unused"), deviceIds: [OTHER_DEVICE_ID], dataDir: join(dir, "data-wrong"), embedded: false,
    })).rejects.toThrow(/credentials of wearable-002: the certificate's subject is CN=wearable-001/);
  });
});
