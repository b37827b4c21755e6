// The credentials store (firmware/identity/credential-store.ts) on a NOR flash partition: what it reads,
// what a renewal writes, and that a power cut at any byte of those writes leaves an identity that works.
import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { CredentialStore, partitionImage } from "../../firmware/identity/credential-store.js";
import { DeviceIdentity } from "../../firmware/identity/device-identity.js";
import { IdentityError } from "../../firmware/identity/identity-error.js";
import { FileFlash } from "../../host-sim/platform/file-flash.js";
import { PowerLossError } from "../../host-sim/platform/file-storage.js";
import { ensureDevPki, type TestPki } from "../../support/certs.js";
import { PARTITION_SIZE, credentialsOf, provisionedFlash, reissue, serialOf } from "../../support/identities.js";

let pki: TestPki;
let renewed: Uint8Array;
let renewedAgain: Uint8Array;

const same = (a: Uint8Array | ArrayBuffer | undefined, b: Uint8Array) => Buffer.from(a instanceof Uint8Array ? a : new Uint8Array(a!)).equals(Buffer.from(b));
const certificateIn = (flash: FileFlash) => new CredentialStore(new FileFlash(flash.bytes.slice())).credentials.certificate;

beforeAll(async () => {
  pki = await ensureDevPki();
  const key = new Uint8Array(pki.device.keyDer);
  renewed = await reissue(pki, new Uint8Array(pki.device.certDer), key, 400);
  renewedAgain = await reissue(pki, renewed, key, 800);
}, 120_000);

describe("the credentials store", () => {
  it("gives the provisioned identity: the id is the certificate's CN, TLS gets views of the partition (no copy)", () => {
    const second = new Uint8Array(pki.odd.otherCa.certDer);
    const flash = provisionedFlash(credentialsOf(pki, pki.device, [new Uint8Array(pki.ca.certDer), second]));
    const identity = new DeviceIdentity(new CredentialStore(flash), "broker.lan");
    expect(identity.deviceId).toBe("wearable-001");
    expect(identity.notAfter).toBe(Date.parse(new X509Certificate(pki.device.certPem).validTo));
    const tls = identity.tls;
    expect(tls.serverName).toBe("broker.lan");
    expect(Array.isArray(tls.certificate) && tls.certificate.length).toBe(2);
    const views = [...(tls.certificate as Uint8Array[]), ...(tls.clientCertificates as Uint8Array[]), tls.clientKey as Uint8Array];
    for (const view of views) expect(view.buffer).toBe(flash.bytes.buffer);
    expect(same(tls.clientKey, new Uint8Array(pki.device.keyDer))).toBe(true);
    expect(same((tls.certificate as Uint8Array[])[1], second)).toBe(true);
  });

  it("an erased partition holds no identity: IdentityError no-credentials", () => {
    const store = new CredentialStore(new FileFlash(new Uint8Array(PARTITION_SIZE).fill(0xff)));
    expect(store.provisioned).toBe(false);
    expect(() => new DeviceIdentity(store)).toThrow(expect.objectContaining({ code: "no-credentials" }));
  });

  it("a renewed certificate is on trial until it has connected, with the old record kept; confirmed, it stays", () => {
    const flash = provisionedFlash(credentialsOf(pki, pki.device));
    const store = new CredentialStore(flash);
    const identity = new DeviceIdentity(store);
    const tls = identity.tls;
    store.stage(renewed);
    identity.refresh();
    expect(store.onTrial).toBe(true);
    expect(same(tls.clientCertificates![0], renewed)).toBe(true);
    // A restart before it connected: still on trial, the old one kept behind it.
    const reboot = new CredentialStore(new FileFlash(flash.bytes.slice()));
    expect(reboot.onTrial).toBe(true);
    expect(same(reboot.credentials.certificate, renewed)).toBe(true);
    store.confirm();
    expect(store.onTrial).toBe(false);
    expect(same(certificateIn(flash), renewed)).toBe(true);
    expect(new CredentialStore(new FileFlash(flash.bytes.slice())).onTrial).toBe(false);
    // The next renewal goes over the slot of the first certificate.
    store.stage(renewedAgain);
    store.confirm();
    expect(serialOf(certificateIn(flash))).toBe(serialOf(renewedAgain));
    expect(() => store.stage(renewed)).not.toThrow(); // back in the other slot again: any number of renewals
  });

  it("a renewed certificate the broker refused is abandoned: the old one is used again, also after a restart", () => {
    const flash = provisionedFlash(credentialsOf(pki, pki.device));
    const store = new CredentialStore(flash);
    store.stage(renewed);
    expect(() => store.stage(renewedAgain)).toThrow(IdentityError); // the old record must stay while one is on trial
    store.abandon();
    expect(store.onTrial).toBe(false);
    expect(same(store.credentials.certificate, new Uint8Array(pki.device.certDer))).toBe(true);
    expect(same(certificateIn(flash), new Uint8Array(pki.device.certDer))).toBe(true);
  });

  it("a damaged record is not used: the other slot is", () => {
    const flash = provisionedFlash(credentialsOf(pki, pki.device));
    const store = new CredentialStore(flash);
    store.stage(renewed);
    store.confirm();
    const damaged = flash.bytes.slice();
    damaged[PARTITION_SIZE / 2 + 200] ^= 0x01; // a bit of the newer record's body
    expect(serialOf(new CredentialStore(new FileFlash(damaged)).credentials.certificate)).toBe(serialOf(new Uint8Array(pki.device.certDer)));
  });

  it("a power cut at any byte of a renewal's writes leaves a working identity: the old one, or the new one on trial", () => {
    const old = serialOf(new Uint8Array(pki.device.certDer));
    const fresh = serialOf(renewed);
    const image = partitionImage(credentialsOf(pki, pki.device), PARTITION_SIZE);
    // How many bytes a whole stage() erases and writes.
    const whole = new FileFlash(image.slice());
    new CredentialStore(whole).stage(renewed);
    const total = whole.written;
    const outcomes = new Set<string>();
    for (let n = 0; n <= total; n += n < 16 || total - n < 4200 ? 1 : 61) {
      const flash = new FileFlash(image.slice());
      const store = new CredentialStore(flash);
      flash.cutPower(n);
      try {
        store.stage(renewed);
      } catch (error) {
        expect(error).toBeInstanceOf(PowerLossError);
      }
      // The reboot: a new store on what the flash holds.
      const after = new CredentialStore(new FileFlash(flash.bytes.slice()));
      const identity = new DeviceIdentity(after);
      expect(identity.deviceId).toBe("wearable-001");
      const serial = serialOf(after.credentials.certificate);
      outcomes.add(serial === fresh ? "new" : "old");
      if (serial === fresh) {
        expect(after.onTrial, `cut after ${n} bytes`).toBe(true);
        after.abandon(); // the broker refuses it: the old one is still there
        expect(serialOf(after.credentials.certificate)).toBe(old);
      } else expect(serial, `cut after ${n} bytes`).toBe(old);
    }
    expect([...outcomes].sort()).toEqual(["new", "old"]);
  });

  it("a power cut while confirming or abandoning leaves a working identity", () => {
    for (const step of ["confirm", "abandon"] as const) {
      for (let n = 0; n <= 4; n++) {
        const flash = provisionedFlash(credentialsOf(pki, pki.device));
        const store = new CredentialStore(flash);
        store.stage(renewed);
        flash.cutPower(n);
        try {
          store[step]();
        } catch (error) {
          expect(error).toBeInstanceOf(PowerLossError);
        }
        const after = new CredentialStore(new FileFlash(flash.bytes.slice()));
        expect(new DeviceIdentity(after).deviceId).toBe("wearable-001");
        const serial = serialOf(after.credentials.certificate);
        if (step === "confirm") expect(serial).toBe(serialOf(renewed)); // on trial or confirmed: the renewed one
        else expect([serialOf(renewed), serialOf(new Uint8Array(pki.device.certDer))]).toContain(serial);
        if (n === 0) expect(after.onTrial).toBe(true); // nothing was written: still on trial
      }
    }
  });
});

