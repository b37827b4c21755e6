// The dev PKI recipe (`npm run certs`, certs/dev-pki.ts): what the device needs from each certificate,
// and idempotence (nothing re-issued unless missing, stale, or asked for differently).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkDeviceId, ensureDevPki, type DevPki } from "../../certs/dev-pki.js";
import { signClientRequest } from "../../certs/pki.js";
import { crlPath, isRevoked, revoke } from "../../certs/revocation.js";
import { readCertificate } from "../../firmware/identity/certificate.js";
import { certificationRequest } from "../../firmware/identity/csr.js";
import { nodeSigner } from "../../host-sim/platform/node-signer.js";

let dir: string;
let first: DevPki;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pki-test-"));
  first = await ensureDevPki({ out: dir, devices: ["wearable-001", "wearable-007"] });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cert = async (path: string): Promise<X509Certificate> => new X509Certificate(await readFile(path));

describe("dev PKI", () => {
  it("issues a CA, the broker, the ingest and renewal identities and each device on the first run", () => {
    expect(first.issued.sort()).toEqual(["broker", "ca", "device-wearable-001", "device-wearable-007", "ingest", "renewal"]);
  });

  it("device certificate: CN = device id, RSA 2048, client auth, issued by the CA with AKI = the CA's SKI", async () => {
    const ca = await cert(first.ca.certPem);
    const device = await cert(first.devices["wearable-007"].certPem);
    expect(device.subject).toBe("CN=wearable-007");
    expect(device.checkIssued(ca) && device.verify(ca.publicKey)).toBe(true);
    expect(device.publicKey.asymmetricKeyType).toBe("rsa");
    expect(device.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(device.keyUsage).toContain("1.3.6.1.5.5.7.3.2"); // id-kp-clientAuth
    const text = await opensslText(first.devices["wearable-007"].certPem);
    const ski = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(await opensslText(first.ca.certPem))?.[1];
    expect(ski).toBeDefined();
    expect(text).toMatch(new RegExp(`Authority Key Identifier:\\s*\\n\\s*(keyid:)?${ski}`));
  });

  it("the root CA carries an Authority Key Identifier (brokers send it in the chain; the device finds issuers by AKI)", async () => {
    const text = await opensslText(first.ca.certPem);
    const ski = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(text)?.[1];
    expect(ski).toBeDefined();
    expect(text).toMatch(new RegExp(`Authority Key Identifier:\\s*\\n\\s*(keyid:)?${ski}`));
  });

  it("device files for Moddable: DER certificate = the PEM one, PKCS#8 DER key = the PEM key, keys mode 0600", async () => {
    const files = first.devices["wearable-001"];
    const fromPem = await cert(files.certPem);
    expect(Buffer.compare(await readFile(files.certDer), fromPem.raw)).toBe(0);
    const der = createPrivateKey({ key: await readFile(files.keyDer), format: "der", type: "pkcs8" });
    const pem = createPrivateKey(await readFile(files.keyPem));
    expect(der.export({ type: "pkcs8", format: "pem" })).toBe(pem.export({ type: "pkcs8", format: "pem" }));
    expect(fromPem.checkPrivateKey(der)).toBe(true);
    for (const key of [files.keyPem, files.keyDer, first.ca.keyPem]) expect((await stat(key)).mode & 0o777).toBe(0o600);
  });

  it("broker certificate: SAN localhost and 127.0.0.1 (the device never falls back to the CN), server auth", async () => {
    const broker = await cert(first.broker.certPem);
    expect(broker.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
    expect(broker.checkHost("localhost", { subject: "never" })).toBe("localhost");
    expect(broker.keyUsage).toContain("1.3.6.1.5.5.7.3.1"); // id-kp-serverAuth
  });

  it("a second run re-issues nothing and keeps every file", async () => {
    const before = await readFile(first.devices["wearable-001"].certPem);
    const again = await ensureDevPki({ out: dir, devices: ["wearable-001", "wearable-007"] });
    expect(again.issued).toEqual([]);
    expect(Buffer.compare(await readFile(again.devices["wearable-001"].certPem), before)).toBe(0);
  });

  it("a new --host re-issues only the broker certificate, keeping its key", async () => {
    const key = await readFile(first.broker.keyPem, "utf8");
    const again = await ensureDevPki({ out: dir, hosts: ["broker.lan", "192.168.1.20"], devices: ["wearable-001"] });
    expect(again.issued).toEqual(["broker"]);
    expect((await cert(again.broker.certPem)).subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1, DNS:broker.lan, IP Address:192.168.1.20");
    expect(await readFile(again.broker.keyPem, "utf8")).toBe(key);
  });

  it("a missing file is regenerated; a renewed CA certificate with the same key keeps the leaves valid", async () => {
    await unlink(first.devices["wearable-001"].keyDer);
    expect((await ensureDevPki({ out: dir, devices: ["wearable-001"] })).issued).toEqual(["broker", "device-wearable-001"]);
    await unlink(first.ca.certPem);
    expect((await ensureDevPki({ out: dir, devices: ["wearable-001"] })).issued).toEqual(["ca"]);
  });

  it("a new CA key re-issues everything it signed", async () => {
    await unlink(first.ca.keyPem);
    const renewed = await ensureDevPki({ out: dir, devices: ["wearable-001"] });
    expect(renewed.issued.sort()).toEqual(["broker", "ca", "device-wearable-001", "ingest", "renewal"]);
    const ca = await cert(renewed.ca.certPem);
    const device = await cert(renewed.devices["wearable-001"].certPem);
    expect(device.verify(ca.publicKey)).toBe(true);
  });

  it("refuses device ids that cannot be a CN and a topic level", () => {
    for (const bad of ["", "a/b", "dev+1", "dev#", "has space", "ingest", "renewal"]) expect(() => checkDeviceId(bad)).toThrow();
    expect(() => checkDeviceId("wearable-001")).not.toThrow();
  });

  it("keeps a CRL signed by the CA, empty until a device is revoked", async () => {
    const text = await run("openssl", ["crl", "-in", first.crl, "-noout", "-text"]);
    expect(text).toMatch(/Issuer: CN ?= ?Wearable Dev Root CA/);
    expect(text).toMatch(/No Revoked Certificates/);
    await run("openssl", ["crl", "-in", first.crl, "-CAfile", first.ca.certPem, "-noout"]); // the signature verifies
  });

  it("`npm run certs` (certs/generate.ts) works from the command line", async () => {
    const out = join(dir, "cli");
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const stdout = await run(join(root, "node_modules/.bin/tsx"), [join(root, "certs/generate.ts"), "--out", out, "--device", "wearable-042"]);
    expect(stdout).toMatch(/issued: .*device-wearable-042/);
    expect((await cert(join(out, "device-wearable-042.pem"))).subject).toBe("CN=wearable-042");
  });
});

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout))),
  );
}

function opensslText(path: string): Promise<string> {
  return run("openssl", ["x509", "-in", path, "-noout", "-text"]);
}

describe("revocation (npm run certs -- --revoke)", () => {
  let out: string;
  let pki: DevPki;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), "pki-revoke-"));
    pki = await ensureDevPki({ out, devices: ["wearable-070", "wearable-071"] });
  }, 120_000);
  afterAll(() => rm(out, { recursive: true, force: true }));

  it("revokes every certificate issued to the device, its renewals too, and only those; the CRL lists them", async () => {
    const key = await readFile(pki.devices["wearable-070"].keyDer);
    const original = await cert(pki.devices["wearable-070"].certPem);
    const fields = readCertificate(new Uint8Array(original.raw));
    const renewal = await signClientRequest(pki.ca, certificationRequest(fields.subject, fields.publicKey, (info) => nodeSigner(new Uint8Array(key), info)), 400);
    expect(await isRevoked(pki.ca, "wearable-070")).toBe(false);
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const stdout = await run(join(root, "node_modules/.bin/tsx"), [join(root, "certs/generate.ts"), "--out", out, "--revoke", "wearable-070"]);
    expect(stdout).toMatch(/revoked wearable-070: /);
    const revoked = await run("openssl", ["crl", "-in", crlPath(pki.ca), "-noout", "-text"]);
    expect(revoked).toContain(original.serialNumber);
    expect(revoked).toContain(renewal.serial);
    expect(revoked).not.toContain((await cert(pki.devices["wearable-071"].certPem)).serialNumber);
    expect(await isRevoked(pki.ca, "wearable-070")).toBe(true);
    expect(await isRevoked(pki.ca, "wearable-071")).toBe(false);
    // Revoked already: nothing new; a name the CA never issued to: an error.
    expect(await revoke(pki.ca, "wearable-070")).toEqual([]);
    await expect(revoke(pki.ca, "nobody")).rejects.toThrow(/no certificate of CN nobody/);
  });
});
