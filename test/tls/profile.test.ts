// The device TLS profile (host-sim/tls-profile.ts) against plain node:tls and TCP servers: what the
// device offers in its ClientHello, what it accepts, and the typed error for everything it refuses.

import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { X509Certificate } from "node:crypto";
import type { TlsOptions as NodeTlsServerOptions } from "node:tls";
import type { TlsOptions } from "../../firmware/platform/ports.js";
import { NetworkError } from "../../firmware/mqtt/platform/network-error.js";
import { TlsError } from "../../firmware/mqtt/platform/tls-error.js";
import { DEVICE_CIPHER_SUITES, nodeTlsOptions } from "../../host-sim/tls-profile.js";
import { ensureDevPki, type Identity, type TestPki } from "../../support/certs.js";
import { attempt, parseClientHello, startRawServer, startTlsServer, type RecordingTlsServer, type RawServer } from "./helpers.js";

const DAY = 86_400_000;
/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV: a signal OpenSSL always adds, not a cipher suite. */
const RENEGOTIATION_SCSV = 0x00ff;

let pki: TestPki;
const servers: (RecordingTlsServer | RawServer)[] = [];

beforeAll(async () => {
  pki = await ensureDevPki();
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function tlsServer(identity: Identity, extra: NodeTlsServerOptions = {}): Promise<RecordingTlsServer> {
  const server = await startTlsServer({ cert: identity.certPem, key: identity.keyPem, ...extra });
  servers.push(server);
  return server;
}

async function rawServer(): Promise<RawServer> {
  const server = await startRawServer();
  servers.push(server);
  return server;
}

/** The device's TlsOptions: dev CA, its RSA certificate and key. */
function deviceSecure(extra: TlsOptions = {}): TlsOptions {
  return { ...pki.deviceTls(), ...extra };
}

describe("device profile: what the device offers", () => {
  it("offers TLS 1.2 only, exactly Moddable's cipher suites in its order, only P-256, SNI and ALPN", async () => {
    const raw = await rawServer();
    const pending = attempt(deviceSecure({ applicationLayerProtocolNegotiation: "x-amzn-mqtt-ca" }), raw.port);
    const hello = parseClientHello(await raw.bytesOf(0, 5 + 64));
    expect(hello).toBeDefined();
    expect(hello!.helloVersion).toBe(0x0303);
    expect(hello!.supportedVersions ?? [0x0303]).toEqual([0x0303]);
    expect(hello!.cipherSuites.filter((s) => s !== RENEGOTIATION_SCSV)).toEqual(DEVICE_CIPHER_SUITES.map((s) => s.id));
    expect(hello!.groups).toEqual([23]); // secp256r1
    expect(hello!.sni).toBe("localhost");
    expect(hello!.alpn).toEqual(["x-amzn-mqtt-ca"]);
    await raw.close();
    const result = await pending;
    // The raw server closed without a word of TLS: the network, as far as evidence goes.
    expect(result.error).toMatchObject({ code: "connection-lost", duringTlsHandshake: true });
  });

  it("sends the configured serverName as SNI and checks the certificate against it", async () => {
    const server = await tlsServer(pki.odd.wildcardServer);
    const ok = await attempt(deviceSecure({ serverName: "wearables.broker.test" }), server.port, { host: "127.0.0.1" });
    expect(ok).toMatchObject({ ok: true, protocol: "TLSv1.2" });
    expect(server.seen[0].servername).toBe("wearables.broker.test");
  });

  it("does not send an IP literal as SNI (RFC 6066) and matches it against an IP SAN", async () => {
    const server = await tlsServer(pki.broker);
    const ok = await attempt(deviceSecure(), server.port, { host: "127.0.0.1" });
    expect(ok.ok).toBe(true);
    expect(server.seen[0].servername).toBe(false);
  });

  it("negotiates ALPN when configured (seen by the server)", async () => {
    const server = await tlsServer(pki.broker, { ALPNProtocols: ["x-amzn-mqtt-ca"] });
    const result = await attempt(deviceSecure({ applicationLayerProtocolNegotiation: "x-amzn-mqtt-ca" }), server.port);
    expect(result).toMatchObject({ ok: true, alpn: "x-amzn-mqtt-ca" });
    expect(server.seen[0].alpn).toBe("x-amzn-mqtt-ca");
  });

  it("authenticates with the device's RSA certificate (the server sees CN = device id)", async () => {
    const server = await tlsServer(pki.broker, { ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true });
    const result = await attempt(deviceSecure(), server.port);
    expect(result).toMatchObject({ ok: true, protocol: "TLSv1.2", cipher: "ECDHE-RSA-AES128-GCM-SHA256" });
    expect(server.seen[0]).toMatchObject({ authorized: true, peerCn: "wearable-001" });
  });
});

describe("device profile: brokers the device cannot reach fail on the host too", () => {
  it("a TLS 1.3-only server: protocol-version (the node profile connects with TLS 1.3)", async () => {
    const server = await tlsServer(pki.broker, { minVersion: "TLSv1.3" });
    expect((await attempt(deviceSecure(), server.port)).error?.code).toBe("protocol-version");
    expect(await attempt(deviceSecure(), server.port, { profile: "node" })).toMatchObject({ ok: true, protocol: "TLSv1.3" });
  });

  it("an ECDSA-only server with only ChaCha20 suites: handshake-failure (no common suite)", async () => {
    const server = await tlsServer(pki.odd.ecdsaServer, { maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-CHACHA20-POLY1305" });
    const result = await attempt(deviceSecure(), server.port);
    expect(result.error?.code).toBe("handshake-failure");
    expect(server.clientErrors).toContain("ERR_SSL_NO_SHARED_CIPHER");
  });

  it("a server that offers only the P-384 curve for ECDHE: handshake-failure", async () => {
    const server = await tlsServer(pki.broker, { maxVersion: "TLSv1.2", ecdhCurve: "secp384r1", ciphers: "ECDHE-RSA-AES128-GCM-SHA256" });
    expect((await attempt(deviceSecure(), server.port)).error?.code).toBe("handshake-failure");
  });

  it("an ECDSA server certificate with a device suite works (ECDHE-ECDSA-AES128-GCM-SHA256)", async () => {
    const server = await tlsServer(pki.odd.ecdsaServer, { maxVersion: "TLSv1.2" });
    expect(await attempt(deviceSecure(), server.port)).toMatchObject({ ok: true, cipher: "ECDHE-ECDSA-AES128-GCM-SHA256" });
  });

  it("a plain TCP endpoint: handshake-failure, and only the ClientHello was sent", async () => {
    const raw = await startRawServer((socket) => socket.end("not TLS at all\n"));
    servers.push(raw);
    const result = await attempt(deviceSecure(), raw.port);
    expect(result.error?.code).toBe("handshake-failure");
    const sent = Buffer.concat(raw.received[0]);
    expect(parseClientHello(sent)).toBeDefined();
    expect(sent.length).toBe(5 + sent.readUInt16BE(3)); // one record: the ClientHello, nothing after it
  });
});

describe("device profile: server certificate checks", () => {
  it("unknown CA: certificate-unknown", async () => {
    const server = await tlsServer(pki.odd.otherCaServer);
    expect((await attempt(deviceSecure(), server.port)).error?.code).toBe("certificate-unknown");
  });

  it("self-signed server certificate: certificate-unknown", async () => {
    const server = await tlsServer(pki.odd.selfSignedServer);
    const result = await attempt(deviceSecure(), server.port);
    expect(result.error?.code).toBe("certificate-unknown");
    expect(result.error?.message).toMatch(/self-signed/);
  });

  it("fake CA with the dev CA's subject name but another key: certificate-unknown (trust is by signature, not by name)", async () => {
    const devCa = new X509Certificate(pki.ca.certPem);
    const impostor = new X509Certificate(pki.odd.impostorCa.certPem);
    const leaf = new X509Certificate(pki.odd.impostorCaServer.certPem);
    // What makes it a fake: the same subject DN as the dev CA, and the leaf names it as issuer with a
    // SAN for localhost; only the key differs.
    expect(impostor.subject).toBe(devCa.subject);
    expect(leaf.issuer).toBe(devCa.subject);
    expect(leaf.checkHost("localhost")).toBe("localhost");
    expect(impostor.publicKey.equals(devCa.publicKey)).toBe(false);
    const server = await tlsServer(pki.odd.impostorCaServer);
    const result = await attempt(deviceSecure(), server.port);
    expect(result.error?.code).toBe("certificate-unknown");
    // Refused by the profile's own chain walk, not only by OpenSSL's verdict behind it.
    expect(result.error?.message).toMatch(/does not lead to a configured CA/);
    // Control: a device that trusted the impostor would accept this very server.
    expect(await attempt(deviceSecure({ certificate: pki.odd.impostorCa.certDer }), server.port)).toMatchObject({ ok: true });
  });

  it("host name not in the SAN: hostname-mismatch", async () => {
    const server = await tlsServer(pki.odd.wrongHostServer);
    expect((await attempt(deviceSecure(), server.port)).error?.code).toBe("hostname-mismatch");
  });

  it("CN-only certificate: hostname-mismatch on the device, although Node's CN fallback accepts it", async () => {
    const server = await tlsServer(pki.odd.cnOnlyServer);
    expect((await attempt(deviceSecure(), server.port)).error?.code).toBe("hostname-mismatch");
    expect((await attempt(deviceSecure(), server.port, { profile: "node" })).ok).toBe(true);
  });

  it("wildcard SAN matches exactly one leading label", async () => {
    const server = await tlsServer(pki.odd.wildcardServer);
    const as = (name: string): Promise<string | undefined> =>
      attempt(deviceSecure({ serverName: name }), server.port, { host: "127.0.0.1" }).then((r) => r.error?.code ?? "ok");
    expect(await as("a.broker.test")).toBe("ok");
    expect(await as("A.Broker.Test")).toBe("ok");
    expect(await as("a.b.broker.test")).toBe("hostname-mismatch");
    expect(await as("broker.test")).toBe("hostname-mismatch");
  });

  it("expired by the device clock: expired", async () => {
    const server = await tlsServer(pki.odd.expiredServer);
    expect((await attempt(deviceSecure(), server.port)).error?.code).toBe("expired");
  });

  it("not yet valid by the device clock: not-yet-valid", async () => {
    const server = await tlsServer(pki.odd.notYetValidServer);
    expect((await attempt(deviceSecure(), server.port)).error?.code).toBe("not-yet-valid");
  });

  it("dates are judged by the device clock, not the host's", async () => {
    const good = await tlsServer(pki.broker);
    const far = Date.now() + 20 * 365 * DAY;
    const past = Date.now() - 20 * 365 * DAY;
    expect((await attempt(deviceSecure(), good.port, { wallTime: far })).error?.code).toBe("expired");
    expect((await attempt(deviceSecure(), good.port, { wallTime: past })).error?.code).toBe("not-yet-valid");
    // A certificate that expired a year ago by the host clock, from a CA valid since ten years ago.
    const expired = await tlsServer(pki.odd.backdatedExpiredServer);
    const cert = new X509Certificate(pki.odd.backdatedExpiredServer.certPem);
    const withinItsValidity = (Date.parse(cert.validFrom) + Date.parse(cert.validTo)) / 2;
    const trustBackdated = deviceSecure({ certificate: pki.odd.backdatedCa.certDer });
    expect(await attempt(trustBackdated, expired.port, { wallTime: withinItsValidity })).toMatchObject({ ok: true });
    expect((await attempt(trustBackdated, expired.port)).error?.code).toBe("expired");
  });

  it("clock unset: clock-unset before any connection is made", async () => {
    const server = await tlsServer(pki.broker);
    const result = await attempt(deviceSecure(), server.port, { wallTime: undefined });
    expect(result.error?.code).toBe("clock-unset");
    expect(server.connections).toBe(0);
  });

  it("verify: false skips the checks (as on the device), and needs no clock", async () => {
    const server = await tlsServer(pki.odd.selfSignedServer);
    expect((await attempt(deviceSecure({ verify: false }), server.port, { wallTime: undefined })).ok).toBe(true);
  });
});

describe("device profile: client certificate", () => {
  it("an ECDSA client key is refused before connecting, naming the device limitation", async () => {
    const server = await tlsServer(pki.broker);
    const ecdsa = { ...deviceSecure(), clientCertificates: [pki.odd.ecdsaDevice.certDer], clientKey: pki.odd.ecdsaDevice.keyDer };
    const result = await attempt(ecdsa, server.port);
    expect(result.error?.code).toBe("unsupported-key");
    expect(result.error?.message).toMatch(/RSA/);
    expect(server.connections).toBe(0);
    expect(() => nodeTlsOptions(ecdsa, { host: "localhost", port: server.port, profile: "device", wallTime: () => Date.now() })).toThrow(TlsError);
  });

  it("the node profile accepts an ECDSA client key", async () => {
    const server = await tlsServer(pki.broker, { ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true });
    const ecdsa = { ...deviceSecure(), clientCertificates: [pki.odd.ecdsaDevice.certDer], clientKey: pki.odd.ecdsaDevice.keyDer };
    expect((await attempt(ecdsa, server.port, { profile: "node" })).ok).toBe(true);
  });

  it("no client certificate where one is required: certificate-required", async () => {
    const server = await tlsServer(pki.broker, { ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true });
    const { clientCertificates: _c, clientKey: _k, ...noCert } = deviceSecure();
    expect((await attempt(noCert, server.port)).error?.code).toBe("certificate-required");
  });

  it("a client certificate from another CA, refused by a server that closes without an alert (Node's TLS server): a network failure, not a guess", async () => {
    const server = await tlsServer(pki.broker, { ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true });
    const other = { ...deviceSecure(), clientCertificates: [pki.odd.otherCaDevice.certDer], clientKey: pki.odd.otherCaDevice.keyDer };
    const { error } = await attempt(other, server.port);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: "connection-lost", duringTlsHandshake: true });
  });
});
