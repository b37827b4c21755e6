// TLS material for the simulated devices: PEM or DER files, the dev PKI by default, keys never echoed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCertificates, loadPrivateKey, resolveCredentials } from "../../host-sim/cli/credentials.js";
import { UsageError } from "../../host-sim/cli/options.js";
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

  it("uses the dev PKI per device, and the broker files for the embedded broker", async () => {
    const credentials = await resolveCredentials({ certsDir: pki.dir, deviceIds: [DEVICE_ID, OTHER_DEVICE_ID], embedded: true });
    expect(credentials.issued).toEqual([]); // everything was there already
    const one = credentials.device(DEVICE_ID);
    const two = credentials.device(OTHER_DEVICE_ID);
    expect(bytes(one.clientCertificates![0])).toBe(bytes(pki.device.certDer));
    expect(bytes(two.clientCertificates![0])).toBe(bytes(pki.devices[OTHER_DEVICE_ID].certDer));
    expect(bytes(one.certificate as ArrayBuffer)).toBe(bytes(pki.ca.certDer));
    expect(credentials.broker?.cert).toBe(pki.broker.certPem);
  });

  it("uses the given files for an external broker", async () => {
    const credentials = await resolveCredentials({
      ca: pki.odd.otherCa.files.certPem, cert: pki.device.files.certPem, key: pki.device.files.keyPem,
      certsDir: join(dir, "unused"), deviceIds: [DEVICE_ID], embedded: false,
    });
    expect(credentials.devPki).toBeUndefined(); // nothing generated
    expect(bytes(credentials.device(DEVICE_ID).certificate as ArrayBuffer)).toBe(bytes(pki.odd.otherCa.certDer));
    expect(credentials.broker).toBeUndefined();
  });
});
