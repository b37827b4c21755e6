// The device reads its own certificate (its CN is its id, its dates say when to renew) and builds a PKCS#10
// request for its key: checked against Node's and openssl's reading of the same bytes.
import { X509Certificate, createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCertificate } from "../../firmware/identity/certificate.js";
import { certificationRequest } from "../../firmware/identity/csr.js";
import { encodeTlv, readTlv } from "../../firmware/identity/der.js";
import { IdentityError } from "../../firmware/identity/identity-error.js";
import { checkRequest, ensureCa, ensureLeaf } from "../../certs/pki.js";
import { nodeSigner } from "../../host-sim/platform/node-signer.js";
import { ensureDevPki, type Identity, type TestPki } from "../../support/certs.js";

let pki: TestPki;
let dir: string;
let farFuture: Uint8Array;

const der = (identity: Identity) => new Uint8Array(identity.certDer);

beforeAll(async () => {
  pki = await ensureDevPki();
  dir = mkdtempSync(join(tmpdir(), "identity-cert-"));
  // Valid past 2049: RFC 5280 dates it with GeneralizedTime instead of UTCTime.
  const ca = (await ensureCa(dir, "ca", "Long CA", { notAfterDays: 12_000 })).files;
  farFuture = new Uint8Array(readFileSync((await ensureLeaf(dir, { name: "far", issuer: ca, cn: "wearable-far", usage: "client", notAfterDays: 11_000 })).files.certDer));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readCertificate", () => {
  it("reads the CN, the dates, the serial and the public key as Node does", () => {
    const all: Uint8Array[] = [pki.device, pki.devices["wearable-002"], pki.broker, pki.odd.expiredServer, pki.odd.ecdsaDevice, pki.ca].map(der);
    all.push(farFuture);
    for (const bytes of all) {
      const node = new X509Certificate(bytes);
      const fields = readCertificate(bytes);
      expect(`CN=${fields.commonName}`).toBe(node.subject);
      expect(fields.notBefore).toBe(Date.parse(node.validFrom));
      expect(fields.notAfter).toBe(Date.parse(node.validTo));
      expect(Buffer.from(fields.serial).toString("hex").toUpperCase().replace(/^0+/, "")).toBe(node.serialNumber.replace(/^0+/, ""));
      expect(Buffer.from(fields.publicKey)).toEqual(node.publicKey.export({ type: "spki", format: "der" }));
      expect(createPublicKey({ key: Buffer.from(fields.publicKey), format: "der", type: "spki" }).equals(node.publicKey)).toBe(true);
    }
    expect(new Date(readCertificate(farFuture).notAfter).getUTCFullYear()).toBeGreaterThan(2049);
  });

  it("reads in place: every field is a view of the bytes it was given", () => {
    const bytes = der(pki.device);
    const fields = readCertificate(bytes);
    for (const view of [fields.der, fields.subject, fields.publicKey, fields.serial]) expect(view.buffer).toBe(bytes.buffer);
  });

  it("refuses a cut or damaged certificate with IdentityError, never anything else", () => {
    const bytes = der(pki.device);
    for (let n = 0; n < bytes.length; n += 3) {
      expect(() => readCertificate(bytes.subarray(0, n)), `${n} bytes`).toThrow(IdentityError);
    }
    const bad = bytes.slice();
    bad[1] = 0x85; // a length of five bytes
    expect(() => readCertificate(bad)).toThrow(/length of 5 bytes/);
  });
});

describe("DER", () => {
  it("writes lengths in the short and the long forms, and reads them back", () => {
    for (const length of [0, 1, 127, 128, 255, 256, 65535, 65536]) {
      const tlv = encodeTlv(0x04, new Uint8Array(length));
      expect(readTlv(tlv, 0)).toEqual({ tag: 0x04, start: 0, value: tlv.length - length, end: tlv.length });
    }
  });
});

describe("certificationRequest (PKCS#10)", () => {
  it("is a request openssl verifies, for the certificate's subject and key, signed by the device's key", async () => {
    const fields = readCertificate(der(pki.device));
    const request = certificationRequest(fields.subject, fields.publicKey, (info) => nodeSigner(new Uint8Array(pki.device.keyDer), info));
    const facts = checkRequest(request);
    expect(facts).toEqual({ subject: "CN=wearable-001", keyType: "rsa", keyBits: 2048 });
  });

  it("signed by another key, it does not verify", () => {
    const fields = readCertificate(der(pki.device));
    const request = certificationRequest(fields.subject, fields.publicKey, (info) => nodeSigner(new Uint8Array(pki.devices["wearable-002"].keyDer), info));
    expect(() => checkRequest(request)).toThrow(/does not verify with its own key/);
  });
});
